package dev.taipan.pool;

/**
 * A worker's life: STARTING until its {@code hello}, READY while it takes calls, DRAINING
 * when it takes no new calls but finishes its own, DEAD once its process or socket is gone.
 * Transitions only move forward; {@link #canMoveTo} is the whole state machine.
 */
enum WorkerState {
    STARTING, READY, DRAINING, DEAD;

    boolean canMoveTo(WorkerState next) {
        return next.ordinal() > ordinal() && !(this == STARTING && next == DRAINING);
    }

    boolean takesCalls() {
        return this == READY;
    }
}
