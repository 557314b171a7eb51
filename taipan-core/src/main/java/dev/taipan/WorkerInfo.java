package dev.taipan;

import java.time.Instant;

/**
 * A snapshot of one worker. {@code pid} is -1 before the process exists.
 *
 * @param state   STARTING, READY, DRAINING or DEAD
 * @param python  the worker's Python version, known once it is ready
 * @param forked  whether the pool's zygote forked it ({@link StartMode#ZYGOTE}); false if it
 *                was spawned, including when a zygote pool fell back to spawning
 */
public record WorkerInfo(String id, long pid, String state, int inFlight, int sessions,
                         long callsCompleted, Instant startedAt, String python, boolean forked) {
}
