package dev.taipan.pool;

import org.junit.jupiter.api.Test;

import static dev.taipan.pool.WorkerState.DEAD;
import static dev.taipan.pool.WorkerState.DRAINING;
import static dev.taipan.pool.WorkerState.READY;
import static dev.taipan.pool.WorkerState.STARTING;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerStateTest {
    @Test
    void transitionsOnlyMoveForward() {
        assertTrue(STARTING.canMoveTo(READY));
        assertTrue(STARTING.canMoveTo(DEAD));
        assertFalse(STARTING.canMoveTo(DRAINING), "a worker that never served has nothing to drain");
        assertTrue(READY.canMoveTo(DRAINING));
        assertTrue(READY.canMoveTo(DEAD));
        assertTrue(DRAINING.canMoveTo(DEAD));
        for (WorkerState s : WorkerState.values()) {
            assertFalse(s.canMoveTo(s), s + " -> itself");
            assertFalse(DEAD.canMoveTo(s), "DEAD is final");
            assertFalse(s.canMoveTo(STARTING), "nothing goes back to STARTING");
        }
        assertFalse(DRAINING.canMoveTo(READY));
    }

    @Test
    void onlyReadyWorkersTakeCalls() {
        assertTrue(READY.takesCalls());
        assertFalse(STARTING.takesCalls());
        assertFalse(DRAINING.takesCalls());
        assertFalse(DEAD.takesCalls());
    }
}
