package dev.taipan.bench.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 2: a child JVM ({@link ChildJvmPool}) starts a pool of 8 workers and is SIGKILLed
 * (no shutdown hook runs); 2 s later, its Python workers still alive are counted (zombies
 * count as gone: they run no code). Survivors are then killed so runs do not pile up.
 */
final class JvmKilled {
    static final long AFTER_MILLIS = 2_000;

    private JvmKilled() {
    }

    static ScenarioResult run(ChaosSettings s) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        int runs = s.jvmRuns();
        long survivors = 0;
        long workersSeen = 0;
        long badRuns = 0;
        long maxGoneMillis = 0;
        List<String> notes = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            Process child = new ProcessBuilder(java, "-Xmx128m", "-cp", cp, ChildJvmPool.class.getName(), s.python(),
                    Integer.toString(s.jvmWorkers()))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            List<Long> pids = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                boolean ready = false;
                while ((line = r.readLine()) != null) {
                    if (line.equals("READY")) {
                        ready = true;
                        break;
                    }
                    if (line.startsWith("PID ")) {
                        pids.add(Long.parseLong(line.substring(4).trim()));
                    }
                }
                if (!ready || pids.size() != s.jvmWorkers()) {
                    badRuns++;
                    notes.add("run " + (run + 1) + ": the child did not report " + s.jvmWorkers() + " workers (got "
                            + pids.size() + ")");
                }
                workersSeen += pids.size();
                child.destroyForcibly(); // SIGKILL
                child.waitFor(10, TimeUnit.SECONDS);
                long killedAt = System.nanoTime();
                // How long the workers take to go (reported), then the count at 2 s (the requirement).
                long gone = -1;
                while (System.nanoTime() - killedAt < TimeUnit.MILLISECONDS.toNanos(AFTER_MILLIS)) {
                    if (pids.stream().allMatch(Procs::isGone)) {
                        gone = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                        break;
                    }
                    Thread.sleep(5);
                }
                long left = TimeUnit.MILLISECONDS.toNanos(AFTER_MILLIS) - (System.nanoTime() - killedAt);
                if (left > 0) {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
                }
                long alive = pids.stream().filter(p -> !Procs.isGone(p)).count();
                survivors += alive;
                if (alive > 0) {
                    notes.add("run " + (run + 1) + ": " + alive + " workers alive 2 s after their JVM was killed: "
                            + pids.stream().filter(p -> !Procs.isGone(p)).toList());
                } else if (gone >= 0) {
                    maxGoneMillis = Math.max(maxGoneMillis, gone);
                }
            } finally {
                child.destroyForcibly();
                pids.forEach(Procs::sigkill);
            }
        }
        List<Figure> figures = new ArrayList<>();
        figures.add(Figure.info("runs", runs));
        figures.add(Figure.mustBeAll("workers reported by the child JVMs", workersSeen, (long) runs * s.jvmWorkers()));
        figures.add(Figure.mustBeZero("runs where the child did not start its workers", badRuns));
        figures.add(Figure.mustBeZero("Python processes alive 2 s after SIGKILL of their JVM", survivors));
        figures.add(Figure.info("slowest run until all its workers were gone", maxGoneMillis + " ms"));
        String settings = String.format(Locale.ROOT, "%d runs: a child JVM starts a pool of %d workers, "
                + "is SIGKILLed, survivors counted after %d ms (zombies count as gone)", runs, s.jvmWorkers(),
                AFTER_MILLIS);
        return new ScenarioResult(2, "JVM killed", settings, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                figures, notes);
    }
}
