package dev.taipan.pool;

import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * The routing rules, kept free of locks and I/O so they can be tested alone. Callers hold
 * the pool's lock.
 */
final class Routing {
    private Routing() {
    }

    /**
     * The ready worker with the fewest calls in flight and a free slot, or null. Ties go to
     * the earliest worker, which keeps a lightly loaded pool's hot worker hot.
     */
    static Worker leastBusy(List<Worker> workers) {
        Worker best = null;
        for (Worker w : workers) {
            if (w.hasFreeSlotForAnyCall() && (best == null || w.inFlight < best.inFlight)) {
                best = w;
            }
        }
        return best;
    }

    /**
     * Removes and returns the oldest waiting call that worker {@code w} may serve: any call
     * without a session, or one whose session lives on {@code w}. Calls pinned to other
     * workers keep their place, so a busy session never blocks everyone else. A retiring worker
     * serves only its own sessions' calls: the others wait for the workers that stay.
     */
    static PendingCall pollWaiterFor(Deque<PendingCall> waiters, Worker w) {
        for (Iterator<PendingCall> it = waiters.iterator(); it.hasNext(); ) {
            PendingCall c = it.next();
            if (c.session == null ? !w.retiring : c.session.worker == w) {
                it.remove();
                c.waiting = false;
                return c;
            }
        }
        return null;
    }
}
