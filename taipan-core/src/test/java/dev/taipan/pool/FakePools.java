package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.PoolListener;
import dev.taipan.PoolStats;
import dev.taipan.WorkerInfo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** What the engine's fake-worker tests share: a quick configuration, bounded waits, a listener that records. */
final class FakePools {
    private FakePools() {
    }

    /**
     * Short timeouts and no heartbeats (a test that needs liveness turns them on): on a busy
     * machine a 3-interval silence must not be what a test about something else trips over.
     * Python is never run; the name is only there because the configuration asks for one.
     */
    static PoolConfig.Builder config() {
        return PoolConfig.builder()
                .name("fake")
                .python("fake-python")
                .workers(2)
                .slots(2)
                .startTimeout(Duration.ofSeconds(5))
                .callTimeout(Duration.ofSeconds(5))
                .acquireTimeout(Duration.ofSeconds(5))
                .drainTimeout(Duration.ofSeconds(1))
                .killTimeout(Duration.ofMillis(500))
                .restartBackoff(Duration.ofMillis(10), Duration.ofMillis(100))
                .heartbeatInterval(Duration.ZERO)
                .shutdownHook(false);
    }

    /** The future's value, failing the test if it does not complete within the fakes' wait. */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get(FakeWorkerSource.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            throw new AssertionError("expected a value, got " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("not completed within " + FakeWorkerSource.WAIT);
        }
    }

    /** How the future failed, failing the test if it succeeds or does not complete in time. */
    static Throwable failure(CompletableFuture<?> f) {
        try {
            Object v = f.get(FakeWorkerSource.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected a failure, got " + v);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        } catch (TimeoutException e) {
            throw new AssertionError("not completed within " + FakeWorkerSource.WAIT);
        }
    }

    /** How the future ended: null for a value, else its failure (a cancelled one's CancellationException). */
    static Throwable outcome(CompletableFuture<?> f) {
        try {
            f.get(FakeWorkerSource.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        } catch (TimeoutException e) {
            throw new AssertionError("not completed within " + FakeWorkerSource.WAIT);
        }
    }

    /**
     * Waits for a state of the pool nothing signals (a slot given back after the caller's
     * answer). Bounded; the pool's own counters are what is looked at.
     */
    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + FakeWorkerSource.WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + FakeWorkerSource.WAIT + ": " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a poll's pace, not a synchronisation
        }
    }

    /** The counters that say how calls ended, as one comparable line. */
    static String outcomes(PoolStats s) {
        return "completed=" + s.callsCompleted() + " failed=" + s.callsFailed() + " cancelled=" + s.callsCancelled()
                + " timedOut=" + s.callsTimedOut() + " retried=" + s.callsRetried();
    }

    /** A listener whose events tests wait for. */
    static final class Events implements PoolListener {
        private final Map<String, CompletableFuture<WorkerInfo>> ready = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<Integer>> exited = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<String>> replacedBy = new ConcurrentHashMap<>();
        final List<Outcome> outcomes = new CopyOnWriteArrayList<>();

        @Override
        public void workerReady(WorkerInfo worker, Duration startTime) {
            ready(worker.id()).complete(worker);
        }

        @Override
        public void workerExited(String workerId, Integer exitCode, String reason) {
            exited(workerId).complete(exitCode);
        }

        @Override
        public void workerReplaced(String oldWorkerId, String newWorkerId) {
            replacedBy(oldWorkerId).complete(newWorkerId);
        }

        @Override
        public void callCompleted(String function, String workerId, Duration duration, Outcome outcome) {
            outcomes.add(outcome);
        }

        CompletableFuture<WorkerInfo> ready(String workerId) {
            return ready.computeIfAbsent(workerId, k -> new CompletableFuture<>());
        }

        /** Completes with the exit status once the pool has dealt with the worker's end. */
        CompletableFuture<Integer> exited(String workerId) {
            return exited.computeIfAbsent(workerId, k -> new CompletableFuture<>());
        }

        /** Completes with the id of the worker that took over once it is ready. */
        CompletableFuture<String> replacedBy(String workerId) {
            return replacedBy.computeIfAbsent(workerId, k -> new CompletableFuture<>());
        }
    }
}
