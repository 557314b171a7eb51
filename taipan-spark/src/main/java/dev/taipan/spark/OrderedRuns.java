package dev.taipan.spark;

import dev.taipan.PoolCapacityException;
import dev.taipan.WorkerLostException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A partition's rows out, each with its run's outputs, in the order they came in, with at most
 * {@code maxInFlight} runs started and not yet handed on. The window is topped up before a row
 * is returned, so the pool works while Spark consumes the row. A run whose worker was lost (or
 * that found no worker) is started again, up to {@code maxRetries} times, when the runs are
 * idempotent.
 */
final class OrderedRuns implements Iterator<Row>, AutoCloseable {
    private record InFlight(Row row, CompletableFuture<Object[]> result) {
    }

    private final Iterator<Row> input;
    private final RowRun.Starter starter;
    private final TaipanSparkPools.Entry entry;
    private final String[] inputNames;
    private final int[] inputColumns;
    private final int outputs;
    private final boolean errorColumn;
    private final boolean failOnError;
    private final int maxInFlight;
    private final int maxRetries;
    private final ArrayDeque<InFlight> window = new ArrayDeque<>();
    private long handedOn;
    private volatile boolean closed;

    OrderedRuns(Iterator<Row> input, RowRun.Starter starter, TaipanSparkPools.Entry entry, String[] inputNames,
                int[] inputColumns, int outputs, boolean errorColumn, boolean failOnError, int maxInFlight,
                int maxRetries) {
        this.input = input;
        this.starter = starter;
        this.entry = entry;
        this.inputNames = inputNames;
        this.inputColumns = inputColumns;
        this.outputs = outputs;
        this.errorColumn = errorColumn;
        this.failOnError = failOnError;
        this.maxInFlight = maxInFlight;
        this.maxRetries = maxRetries;
    }

    @Override
    public boolean hasNext() {
        fill();
        return !window.isEmpty();
    }

    @Override
    public Row next() {
        fill();
        InFlight head = window.poll();
        if (head == null) {
            throw new NoSuchElementException();
        }
        Object[] cells = null;
        Throwable failure = null;
        try {
            cells = head.result.get();
        } catch (InterruptedException e) {
            // Spark kills a task by interrupting it: end its runs, and let the task end.
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while waiting for a run", e);
        } catch (ExecutionException | CancellationException e) {
            failure = e instanceof ExecutionException ? unwrap(e.getCause()) : e;
        }
        long index = handedOn++;
        if (failure != null && failOnError) {
            close();
            throw new TaipanSparkException("row " + index + " of the partition failed: " + describe(failure), failure);
        }
        fill();
        return merge(head.row, cells, failure);
    }

    private void fill() {
        while (!closed && window.size() < maxInFlight && input.hasNext()) {
            Row row = input.next();
            window.add(new InFlight(row, attempt(inputsOf(row), maxRetries)));
        }
    }

    private Map<String, Object> inputsOf(Row row) {
        Map<String, Object> in = new LinkedHashMap<>();
        for (int i = 0; i < inputNames.length; i++) {
            in.put(inputNames[i], SparkTypes.fromSpark(row.get(inputColumns[i])));
        }
        return in;
    }

    private CompletableFuture<Object[]> attempt(Map<String, Object> in, int retriesLeft) {
        CompletableFuture<Object[]> f;
        try {
            f = starter.start(in);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        if (retriesLeft <= 0) {
            return f;
        }
        return f.handle((cells, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(cells);
            }
            Throwable cause = unwrap(e);
            if (!closed && (cause instanceof WorkerLostException || cause instanceof PoolCapacityException)) {
                entry.rowRetries.increment();
                return attempt(in, retriesLeft - 1);
            }
            return CompletableFuture.<Object[]>failedFuture(cause);
        }).thenCompose(x -> x);
    }

    private Row merge(Row row, Object[] cells, Throwable failure) {
        int width = row.size() + outputs + (errorColumn ? 1 : 0);
        Object[] out = new Object[width];
        for (int i = 0; i < row.size(); i++) {
            out[i] = row.get(i);
        }
        if (cells != null) {
            System.arraycopy(cells, 0, out, row.size(), outputs);
        }
        if (errorColumn && failure != null) {
            out[width - 1] = describe(failure);
        }
        return RowFactory.create(out);
    }

    /** The error column's text: the exception's type and message (Taipan's messages carry no secrets). */
    static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Ends the runs not handed on yet (the task ended early: a limit, a failure, a kill). */
    @Override
    public void close() {
        closed = true;
        InFlight f;
        while ((f = window.poll()) != null) {
            f.result.cancel(true);
        }
    }
}
