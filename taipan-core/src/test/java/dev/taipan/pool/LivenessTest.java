package dev.taipan.pool;

import dev.taipan.PoolConfig;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.taipan.pool.FakePools.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heartbeat check itself, called by the test instead of a timer, on a worker whose frames
 * the test writes: silence is counted in unanswered pings, so a check that runs late (the JVM
 * paused, the timer thread did not get the CPU) does not blame the worker for the delay,
 * while a worker that really stops answering is still declared dead after three pings.
 */
class LivenessTest {
    /** Short, for the tests that wait for pings to go unanswered. */
    private static final Duration INTERVAL = Duration.ofMillis(20);

    private Wire.Ends ends;
    private Worker worker;
    private Liveness liveness;
    private final List<Throwable> deaths = new CopyOnWriteArrayList<>();

    private InputStream start(Duration interval) throws IOException {
        ends = Wire.UNIX.connect();
        PoolState state = new PoolState(PoolConfig.builder().name("liveness").heartbeatInterval(interval).build());
        worker = new Worker("w-1", null);
        worker.connection = new Connection(new SocketTransport(ends.pool()), FrameCodec.DEFAULT_MAX_FRAME_BYTES);
        worker.state = WorkerState.READY;
        state.workers.add(worker);
        liveness = new Liveness(state, new WorkerEvents() {
            @Override
            public void workerReady(Worker w, Map<String, Object> hello) {
            }

            @Override
            public void workerDied(Worker w, Throwable cause, boolean protocolError) {
                deaths.add(cause);
            }

            @Override
            public void slotFreed(Worker w) {
            }

            @Override
            public void sessionsEnded(Worker w) {
            }

            @Override
            public void overran(Worker w, long calls) {
            }
        });
        return Channels.newInputStream(ends.worker());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (liveness == null) {
            return;
        }
        liveness.close();
        worker.connection.close();
        ends.close();
    }

    /** A check, then waits until its ping is on the worker's end and half an interval old. */
    private void checkAndLetThePingAge(InputStream peer) throws IOException {
        long before = worker.pingWrittenNanos;
        liveness.check();
        if (!deaths.isEmpty()) {
            return;
        }
        Map<String, Object> ping = FrameCodec.read(peer, FrameCodec.DEFAULT_MAX_FRAME_BYTES);
        assertEquals(Messages.HEARTBEAT, Messages.type(ping));
        until("the ping is stamped and half an interval old", () -> worker.pingWrittenNanos != before
                && System.nanoTime() - worker.pingWrittenNanos >= INTERVAL.toNanos() / 2);
    }

    @Test
    void aCheckThatRunsLongAfterTheLastFrameOnlyPingsTheWorker() throws IOException {
        // An interval far longer than the time between the checks below, however slow the machine.
        InputStream peer = start(Duration.ofSeconds(5));
        // The timer ran a minute late: far more than three intervals since the worker's last
        // frame, but it was never pinged in that time.
        worker.lastHeardNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(60);
        liveness.check();
        // Late checks run back to back (a timer catching up) find a ping not yet due an answer.
        liveness.check();
        liveness.check();
        liveness.check();
        assertEquals(List.of(), deaths);
        assertEquals(Messages.HEARTBEAT, Messages.type(FrameCodec.read(peer, FrameCodec.DEFAULT_MAX_FRAME_BYTES)));
        assertEquals(0, worker.pingsMissed);
    }

    @Test
    void aWorkerThatLeavesThreePingsInARowUnansweredIsDeclaredDead() throws IOException {
        InputStream peer = start(INTERVAL);
        worker.lastHeardNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(2);
        checkAndLetThePingAge(peer); // the first ping
        checkAndLetThePingAge(peer); // 1 unanswered
        checkAndLetThePingAge(peer); // 2 unanswered
        assertEquals(List.of(), deaths);
        assertEquals(2, worker.pingsMissed);
        liveness.check(); // 3 unanswered
        assertEquals(1, deaths.size());
        HeartbeatTimeout why = assertInstanceOf(HeartbeatTimeout.class, deaths.get(0));
        assertTrue(why.getMessage().contains("3 heartbeats unanswered"), why.getMessage());
        assertTrue(why.getMessage().contains("heartbeat every 20 ms"), why.getMessage());
    }

    @Test
    void anyFrameFromTheWorkerStartsTheCountAgain() throws IOException {
        InputStream peer = start(INTERVAL);
        worker.lastHeardNanos = System.nanoTime() - TimeUnit.SECONDS.toNanos(2);
        checkAndLetThePingAge(peer);
        checkAndLetThePingAge(peer);
        checkAndLetThePingAge(peer);
        assertEquals(2, worker.pingsMissed);
        worker.lastHeardNanos = System.nanoTime(); // what the reader does with any frame
        checkAndLetThePingAge(peer);
        assertEquals(0, worker.pingsMissed);
        checkAndLetThePingAge(peer);
        checkAndLetThePingAge(peer);
        assertEquals(List.of(), deaths, "two unanswered since the answer");
        assertEquals(2, worker.pingsMissed);
    }
}
