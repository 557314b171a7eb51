package dev.taipan.spring;

import dev.taipan.TaipanPool;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.web.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;

/**
 * Closes (drains) the pools at the right moment of shutdown. Spring stops lifecycles from the
 * highest phase down: first the web server's graceful shutdown ({@link
 * WebServerGracefulShutdownLifecycle#SMART_LIFECYCLE_PHASE}: no new requests, in-flight ones
 * finish), then the web server itself, then this, {@link #PHASE} below both. So no request
 * still being served finds its pool closed, and the calls the pool still has (from threads
 * other than requests) get {@code drainTimeout} to finish. Closing is idempotent: the bean's
 * own destroy method, which runs later, does nothing more. Only pools that exist are closed: in
 * a lazily initialized application a pool nobody asked for is never started just to be closed.
 */
public final class TaipanPoolShutdown implements SmartLifecycle, BeanFactoryAware {
    /** Below the web server's graceful shutdown and its start/stop phase. */
    public static final int PHASE = WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE - 2048;

    private final ObjectProvider<TaipanPool> pools;
    private volatile ConfigurableListableBeanFactory beanFactory;
    private volatile boolean running;

    TaipanPoolShutdown(ObjectProvider<TaipanPool> pools) {
        this.pools = pools;
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * Where the pools are looked up at shutdown (Spring calls it when it makes this bean).
     *
     * @param beanFactory the application's bean factory
     */
    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory instanceof ConfigurableListableBeanFactory f ? f : null;
    }

    @Override
    public void stop() {
        running = false;
        ConfigurableListableBeanFactory f = beanFactory;
        if (f == null) {
            pools.orderedStream().forEach(TaipanPool::close);
            return;
        }
        // The pools already made, and only those: asking the provider would make a lazy one.
        for (String name : f.getBeanNamesForType(TaipanPool.class, false, false)) {
            if (f.containsSingleton(name)) {
                f.getBean(name, TaipanPool.class).close();
            }
        }
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
