package dev.taipan.pool;

import java.util.ArrayList;
import java.util.List;

/**
 * Routing under a steady load, for the JMH benchmark in taipan-bench
 * ({@code dev.taipan.bench.jmh.RoutingBenchmark}): ready workers with half their slots busy,
 * picked from as the engine picks under its lock. Public only because that benchmark lives in
 * another module; module-info exports this package to taipan-bench and taipan-dspy alone, so
 * users never see it, and routing itself stays package-private.
 */
public final class RoutingLoad {
    private final List<Worker> workers = new ArrayList<>();
    private final int slots;

    public RoutingLoad(int workers, int slots) {
        this.slots = slots;
        for (int i = 0; i < workers; i++) {
            Worker w = new Worker("w-" + (i + 1), null);
            w.becomeReady(slots);
            w.inFlight = slots / 2;
            this.workers.add(w);
        }
    }

    public int size() {
        return workers.size();
    }

    /** {@link Routing#leastBusy}, and the worker it picked (if any) takes a slot. */
    public Object pickLeastBusy() {
        Worker w = Routing.leastBusy(workers);
        if (w != null) {
            w.inFlight++;
        }
        return w;
    }

    /** The same bookkeeping without the pick: the first worker takes a slot if it has one free. */
    public Object pickFirst() {
        Worker w = workers.get(0);
        if (w.inFlight < slots) {
            w.inFlight++;
        }
        return w;
    }

    /** Worker {@code index} ends one of its calls, if it has one. */
    public void release(int index) {
        Worker done = workers.get(index);
        if (done.inFlight > 0) {
            done.inFlight--;
        }
    }
}
