package dev.taipan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Builds per-test pools against the project venv's Python; nothing here is shared state. */
public final class TestPools {
    private TestPools() {
    }

    public static String python() {
        String p = System.getProperty("taipan.python");
        if (p != null) {
            return requireExecutable(p);
        }
        Path venv = repo().resolve(".venv/bin/python");
        if (Files.isExecutable(venv)) {
            return venv.toString();
        }
        throw new IllegalStateException("no project venv: run bin/taipan setup (looked for " + venv + ")");
    }

    /** A Python that was named but is missing fails the test: falling back to .venv would test another DSPy. */
    private static String requireExecutable(String python) {
        if (!Files.isExecutable(Path.of(python))) {
            throw new IllegalStateException("taipan.python is " + python + ", which is not an executable: run bin/taipan"
                    + " setup, or check TAIPAN_TEST_PYTHON");
        }
        return python;
    }

    public static Path repo() {
        String r = System.getProperty("taipan.repo");
        if (r != null) {
            return Path.of(r);
        }
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("protocol")) ? here : here.getParent();
    }

    /** Small, quick-failing defaults for tests; each test adds what it needs. */
    public static PoolConfig.Builder config() {
        return PoolConfig.builder()
                .name("test")
                .python(python())
                .modules("taipan_testing.functions")
                .workers(2)
                .slots(4)
                .startTimeout(Duration.ofSeconds(30))
                .callTimeout(Duration.ofSeconds(30))
                .drainTimeout(Duration.ofSeconds(2))
                .killTimeout(Duration.ofSeconds(2))
                .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(200));
    }

    /** Polls a condition until it holds or the deadline passes; returns whether it held. */
    public static boolean eventually(Duration within, BooleanSupplier condition) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(10); // polling interval of a bounded wait, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    /**
     * Polls a condition for a whole period, for what must stay true while time passes (a
     * worker kept alive by its heartbeats); returns false at the first poll where it does not.
     */
    public static boolean throughout(Duration period, BooleanSupplier condition) {
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            if (!condition.getAsBoolean()) {
                return false;
            }
            try {
                Thread.sleep(10); // polling interval of a bounded watch, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }

    /** Whether a process is gone (or a zombie no one has reaped yet, which runs no code). */
    public static boolean isGone(long pid) {
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                int close = stat.lastIndexOf(')');
                return close > 0 && stat.length() > close + 2 && stat.charAt(close + 2) == 'Z';
            } catch (java.io.IOException e) {
                return true;
            }
        }
        return true;
    }
}
