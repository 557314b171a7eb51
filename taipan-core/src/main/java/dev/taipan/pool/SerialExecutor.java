package dev.taipan.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in submission order, on another executor. A streaming call's
 * chunks and then its completion go through one of these, so a consumer sees chunk 0, 1,
 * 2, ... and the result strictly after the last chunk, without ever blocking the I/O thread.
 */
final class SerialExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor delegate;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean draining;

    SerialExecutor(Executor delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.addLast(task);
            if (draining) {
                return;
            }
            draining = true;
        }
        delegate.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (tasks) {
                next = tasks.pollFirst();
                if (next == null) {
                    draining = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (Throwable e) {
                // Consumers are guarded by the engine (their failure fails the call); this is the
                // last line: nothing may stop the queue, the call's answer may be queued behind.
                LOG.warn("a delivery task threw; the queue goes on", e);
            }
        }
    }
}
