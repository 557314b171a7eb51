package dev.taipan.bench;

import dev.taipan.PoolConfig;
import dev.taipan.StartMode;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * What the start-mode benchmarks ({@code startup}, {@code recovery}, {@code memory}) share: the
 * pools they start, how they tell a forked worker from a spawned one, and closing a pool until
 * every one of its processes is gone, so that one measurement never overlaps the next.
 */
final class StartModes {
    /** The module the start-mode benchmarks import by default: importing DSPy is what makes a cold start slow. */
    static final String DEFAULT_MODULE = "taipan_worker.dspy";

    private StartModes() {
    }

    /** The two start modes compared, in the reports' order. */
    enum Mode {
        ZYGOTE(StartMode.ZYGOTE, "zygote"),
        SPAWN(StartMode.SPAWN, "spawn");

        final StartMode startMode;
        final String key;

        Mode(StartMode startMode, String key) {
            this.startMode = startMode;
            this.key = key;
        }

        /** The order of round (or kill) {@code i}: zygote, spawn / spawn, zygote / ... */
        static List<Mode> order(int i) {
            return i % 2 == 0 ? List.of(ZYGOTE, SPAWN) : List.of(SPAWN, ZYGOTE);
        }
    }

    /**
     * A pool of {@code workers} importing {@code module}, started in {@code mode}; generous start
     * and acquire timeouts (8 DSPy imports at once take tens of seconds on 2 cores), quiet tqdm.
     */
    static PoolConfig.Builder config(String name, String python, String module, int workers, StartMode mode) {
        PoolConfig.Builder b = PoolConfig.builder()
                .name(name)
                .python(python)
                .workers(workers)
                .startMode(mode)
                .startTimeout(Duration.ofMinutes(10))
                .callTimeout(Duration.ofMinutes(2))
                .acquireTimeout(Duration.ofMinutes(10))
                .drainTimeout(Duration.ofSeconds(2))
                .killTimeout(Duration.ofSeconds(2))
                .env("TQDM_DISABLE", "1");
        if (module != null && !module.isBlank()) {
            b.modules(module);
        }
        return b;
    }

    /** The parent of a process, or -1 if it is gone. */
    static long parentPid(long pid) {
        return ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
    }

    /**
     * Whether a worker was forked by a zygote: its parent is a zygote (a spawned worker's parent
     * is its guardian, or this JVM).
     */
    static boolean forked(long workerPid) {
        long parent = parentPid(workerPid);
        return parent > 0 && parent != ProcessHandle.current().pid()
                && ProcessHandle.of(parent).flatMap(h -> h.info().arguments())
                .map(a -> java.util.List.of(a).contains("taipan_worker.zygote")).orElse(false);
    }

    /** The pids of a pool's live workers. */
    static List<Long> workerPids(TaipanPool pool) {
        return pool.workers().stream().map(WorkerInfo::pid).filter(p -> p > 0).toList();
    }

    /**
     * The pool's zygote: the parent of its forked workers, or -1 if none of them was forked (the
     * pool spawns, or fell back to spawning).
     */
    static long zygotePid(TaipanPool pool) {
        for (long pid : workerPids(pool)) {
            if (forked(pid)) {
                return parentPid(pid);
            }
        }
        return -1;
    }

    /** The Python version the pool's workers report. */
    static String pythonVersion(TaipanPool pool) {
        return pool.workers().stream().map(WorkerInfo::python).filter(Objects::nonNull).findFirst().orElse("unknown");
    }

    /**
     * Closes the pools and waits (at most 15 s) until all their processes, workers and zygotes,
     * have exited, so that no CPU they still burn falls into the next measurement.
     */
    static void closeAndAwait(List<TaipanPool> pools) {
        Set<Long> pids = new LinkedHashSet<>();
        for (TaipanPool pool : pools) {
            for (long pid : workerPids(pool)) {
                pids.add(pid);
                if (forked(pid)) {
                    pids.add(parentPid(pid));
                }
            }
        }
        for (TaipanPool pool : pools) {
            pool.close();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (pids.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))) {
                return;
            }
            sleep(10);
        }
        // close() kills what is left after its killTimeout; anything still here is a leak to report.
        List<Long> alive = pids.stream().filter(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false))
                .toList();
        if (!alive.isEmpty()) {
            alive.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
            System.err.println("warning: processes " + alive + " outlived their pool's close(); killed them");
        }
    }

    static void closeAndAwait(TaipanPool pool) {
        closeAndAwait(List.of(pool));
    }

    /**
     * {@code "1,4,8"} -> [1, 4, 8] (sorted, distinct, each 1..64); an {@link IllegalArgumentException}
     * otherwise, its message fit to follow {@code "--workers: "}.
     */
    static List<Integer> parseCounts(String list) {
        TreeSet<Integer> counts = new TreeSet<>();
        for (String part : list.split(",")) {
            String s = part.strip();
            if (s.isEmpty()) {
                continue;
            }
            int n;
            try {
                n = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number: '" + s + "'");
            }
            if (n < 1 || n > 64) {
                throw new IllegalArgumentException("each must be 1..64, got " + n);
            }
            counts.add(n);
        }
        if (counts.isEmpty()) {
            throw new IllegalArgumentException("no number in '" + list + "'");
        }
        return new ArrayList<>(counts);
    }

    /** The closing fields every start-mode report's JSON ends with. */
    static void putRunFacts(java.util.Map<String, Object> m, Object check, double loadStart, double loadEnd,
                            double totalSeconds) {
        m.put("check", check);
        m.put("load_average", java.util.Map.of("start", OverheadBenchmark.round1(loadStart), "end",
                OverheadBenchmark.round1(loadEnd)));
        m.put("total_seconds", OverheadBenchmark.round1(totalSeconds));
    }

    /** The lines under a start-mode report's title: machine, load average, Java, Python and the module. */
    static void printMachine(PrintStream out, Machine machine, double loadStart,
                             double loadEnd, String module) {
        machine.printHeader(out, String.format(Locale.ROOT, "; load average %.1f -> %.1f", loadStart, loadEnd),
                "; module " + module + " imported by every worker");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The 1-minute load average ({@code /proc/loadavg}), or NaN. */
    static double loadAverage() {
        try {
            return Double.parseDouble(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
