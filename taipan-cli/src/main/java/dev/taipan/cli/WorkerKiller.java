package dev.taipan.cli;

import dev.taipan.PoolHealth;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The demos' fault: SIGKILL the worker with the most calls in flight (the worst case for the
 * callers), then wait for the pool to have replaced it.
 */
final class WorkerKiller {
    private static final long POLL_MILLIS = 20;

    private WorkerKiller() {
    }

    /** What was killed; {@code sent} is false if the process was already gone. */
    record Killed(String workerId, long pid, int inFlight, boolean sent) {
        /** E.g. {@code worker w2 (pid 123) with 4 calls in flight}, {@code unit} being "calls". */
        String describe(String unit) {
            return String.format("worker %s (pid %d) with %d %s in flight%s", workerId, pid, inFlight, unit,
                    sent ? "" : " [kill failed: process already gone]");
        }
    }

    /** What the wait for healing saw last, and how long it waited (at most {@code deadline}). */
    record Healing(boolean healed, PoolHealth health, long waitedMillis, Duration deadline) {
        /**
         * E.g. {@code pool healed: HEALTHY, 4/4 workers ready, 1 replaced (waited 310 ms after the burst): w1 pid 1
         * ready, ...}, or {@code pool did NOT heal within 60 s: DEGRADED (reason)}.
         */
        String describe(String after) {
            if (!healed) {
                return String.format("pool did NOT heal within %d s: %s (%s)", deadline.toSeconds(), health.status(),
                        health.reason());
            }
            return String.format("pool healed: %s, %d/%d workers ready, %d replaced (waited %d ms after the %s): %s",
                    health.status(), health.stats().ready(), health.stats().workers(), health.stats().workersReplaced(),
                    waitedMillis, after, WorkerKiller.describe(health.workers()));
        }
    }

    /** SIGKILLs the ready worker with the most calls in flight; null if no worker is ready. */
    static Killed killBusiest(TaipanPool pool) {
        WorkerInfo w = pool.workers().stream()
                .filter(x -> "READY".equals(x.state()) && x.pid() > 0)
                .max(Comparator.comparingInt(WorkerInfo::inFlight))
                .orElse(null);
        if (w == null) {
            return null;
        }
        boolean sent = ProcessHandle.of(w.pid()).map(ProcessHandle::destroyForcibly).orElse(false);
        return new Killed(w.id(), w.pid(), w.inFlight(), sent);
    }

    /**
     * Waits, at most {@code deadline}, for the pool to be healthy with all {@code workers} ready
     * and, if {@code killed} is not null, the killed one replaced: ready workers alone are not
     * enough, since right after the kill the pool may not have noticed the death yet.
     */
    static Healing awaitHealed(TaipanPool pool, int workers, Killed killed, Duration deadline) {
        long t0 = System.nanoTime();
        long end = t0 + deadline.toNanos();
        PoolHealth h = pool.health();
        while (!healed(h, workers, killed)) {
            if (System.nanoTime() > end) {
                break;
            }
            try {
                Thread.sleep(POLL_MILLIS); // polling interval; the deadline above bounds the wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            h = pool.health();
        }
        return new Healing(healed(h, workers, killed), h, (System.nanoTime() - t0) / 1_000_000, deadline);
    }

    private static boolean healed(PoolHealth h, int workers, Killed killed) {
        if (h.status() != PoolHealth.Status.HEALTHY || h.stats().ready() != workers) {
            return false;
        }
        if (killed == null) {
            return true;
        }
        return h.stats().workersReplaced() >= 1 && h.workers().stream().noneMatch(w -> w.pid() == killed.pid());
    }

    /** E.g. {@code w1 pid 123 ready, w2 pid 124 starting}. */
    static String describe(List<WorkerInfo> workers) {
        return workers.stream().map(w -> w.id() + " pid " + w.pid() + " " + w.state().toLowerCase())
                .collect(Collectors.joining(", "));
    }
}
