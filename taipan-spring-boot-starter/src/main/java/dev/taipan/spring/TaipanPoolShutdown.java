package dev.taipan.spring;

import dev.taipan.TaipanPool;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;

/**
 * Closes (drains) the pools at the right moment of shutdown. Spring stops lifecycles from the
 * highest phase down: first the web server's graceful shutdown ({@link
 * WebServerGracefulShutdownLifecycle#SMART_LIFECYCLE_PHASE}: no new requests, in-flight ones
 * finish), then the web server itself, then this, {@link #PHASE} below both. So no request
 * still being served finds its pool closed, and the calls the pool still has (from threads
 * other than requests) get {@code drainTimeout} to finish. Closing is idempotent: the bean's
 * own destroy method, which runs later, does nothing more.
 */
public final class TaipanPoolShutdown implements SmartLifecycle {
    /** Below the web server's graceful shutdown and its start/stop phase. */
    public static final int PHASE = WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE - 2048;

    private final ObjectProvider<TaipanPool> pools;
    private volatile boolean running;

    TaipanPoolShutdown(ObjectProvider<TaipanPool> pools) {
        this.pools = pools;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        pools.orderedStream().forEach(TaipanPool::close);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
