package dev.taipan.cli;

import dev.taipan.WorkerLostException;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * The typed failures of the calls that were in flight on a killed worker, tallied by the
 * calling threads for the demo's report (the point being that they are typed, not silent).
 */
final class WorkerLosses {
    private final LongAdder count = new LongAdder();
    private final Map<String, Integer> types = new ConcurrentHashMap<>();
    private final AtomicReference<WorkerLostException> first = new AtomicReference<>();

    void add(WorkerLostException e) {
        count.increment();
        types.merge(e.getClass().getSimpleName(), 1, Integer::sum);
        first.compareAndSet(null, e);
    }

    long count() {
        return count.sum();
    }

    /** E.g. {@code 3 x WorkerLostException}. */
    String types() {
        return types.entrySet().stream().map(e -> e.getValue() + " x " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    /** The first failure, as type and first line of its message; null if none. */
    String example() {
        WorkerLostException e = first.get();
        return e == null ? null : e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
    }

    /** The first line of a possibly multi-line (or null) message, for one-line reports. */
    static String firstLine(String s) {
        s = Objects.toString(s, "");
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }
}
