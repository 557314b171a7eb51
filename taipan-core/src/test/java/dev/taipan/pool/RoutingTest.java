package dev.taipan.pool;

import dev.taipan.protocol.CallFrame;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoutingTest {
    private static Worker worker(String id, WorkerState state, int inFlight) {
        Worker w = new Worker(id, null);
        w.state = state;
        w.inFlight = inFlight;
        w.capacity = 4;
        return w;
    }

    private static PendingCall call(long id, SessionImpl session) {
        CallFrame frame = CallFrame.encode(Messages.call(id, "f", null, null, 1000L), FrameCodec.DEFAULT_MAX_FRAME_BYTES,
                null);
        return new PendingCall(id, "f", frame, session, Duration.ofSeconds(1));
    }

    @Test
    void picksTheReadyWorkerWithFewestCallsAndAFreeSlot() {
        Worker a = worker("a", WorkerState.READY, 3);
        Worker b = worker("b", WorkerState.READY, 1);
        Worker c = worker("c", WorkerState.STARTING, 0);
        Worker d = worker("d", WorkerState.DRAINING, 0);
        assertSame(b, Routing.leastBusy(List.of(a, b, c, d)));
        b.inFlight = 4;
        assertSame(a, Routing.leastBusy(List.of(a, b, c, d)));
        a.inFlight = 4;
        assertNull(Routing.leastBusy(List.of(a, b, c, d)), "no free slot anywhere");
        assertNull(Routing.leastBusy(List.of()));
    }

    @Test
    void tiesGoToTheFirstWorker() {
        Worker a = worker("a", WorkerState.READY, 1);
        Worker b = worker("b", WorkerState.READY, 1);
        assertSame(a, Routing.leastBusy(List.of(a, b)));
    }

    @Test
    void aFreedWorkerTakesTheOldestCallItMayServe() {
        Worker a = worker("a", WorkerState.READY, 0);
        Worker b = worker("b", WorkerState.READY, 0);
        SessionImpl onB = new SessionImpl("s", b, null);
        ArrayDeque<PendingCall> q = new ArrayDeque<>();
        PendingCall pinnedToB = call(1, onB);
        PendingCall free = call(2, null);
        q.add(pinnedToB);
        q.add(free);
        pinnedToB.waiting = true;
        free.waiting = true;

        assertSame(free, Routing.pollWaiterFor(q, a), "a may not take b's session call");
        assertFalse(free.waiting);
        assertEquals(1, q.size());
        assertNull(Routing.pollWaiterFor(q, a));
        assertSame(pinnedToB, Routing.pollWaiterFor(q, b));
        assertTrue(q.isEmpty());
    }
}
