package dev.taipan;

import java.time.Instant;

/**
 * A snapshot of one worker. {@code pid} is -1 before the process exists.
 *
 * @param state   STARTING, READY, DRAINING or DEAD
 * @param python  the worker's Python version, known once it is ready
 * @param forked  whether the pool's zygote forked it ({@link StartMode#ZYGOTE}); false if it
 *                was spawned, including when a zygote pool fell back to spawning; false for a
 *                worker on a {@link RemoteHost} (its host forks it)
 * @param host    where the worker runs: {@code "local"} for this machine, else the
 *                {@link RemoteHost} ({@code address:port}; {@code pid} is then a process id on that host)
 */
public record WorkerInfo(String id, long pid, String state, int inFlight, int sessions,
                         long callsCompleted, Instant startedAt, String python, boolean forked, String host) {
}
