package dev.taipan.pool;

import dev.taipan.PoolStartException;
import dev.taipan.TaipanPoolMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/** The pool's {@link TaipanPoolMXBean}, on the platform MBean server while the pool runs. */
final class PoolMBean implements TaipanPoolMXBean {
    private static final Logger LOG = LoggerFactory.getLogger(PoolMBean.class);

    private final PoolEngine engine;
    private final ObjectName name;
    private final MBeanServer server;

    private PoolMBean(PoolEngine engine, ObjectName name, MBeanServer server) {
        this.engine = engine;
        this.name = name;
        this.server = server;
    }

    /**
     * {@code dev.taipan:type=Pool,name=<pool>}: a pool's name ({@code [A-Za-z0-9_.-]}, checked by
     * PoolConfig) holds nothing JMX would need quoted.
     */
    static ObjectName objectName(String pool) {
        try {
            return new ObjectName("dev.taipan:type=Pool,name=" + pool);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("pool name " + pool + " cannot name an MBean: " + e.getMessage(), e);
        }
    }

    static PoolMBean register(PoolEngine engine) {
        String pool = engine.config().name();
        ObjectName name = objectName(pool);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        PoolMBean bean = new PoolMBean(engine, name, server);
        try {
            server.registerMBean(bean, name);
        } catch (InstanceAlreadyExistsException e) {
            throw new PoolStartException("pool " + pool + " cannot register its MBean: " + name + " is already "
                    + "registered (another running pool has this name); give each pool its own name "
                    + "(PoolConfig.Builder.name) or turn registerMBean off", null, "", e);
        } catch (JMException e) {
            throw new PoolStartException("pool " + pool + " cannot register its MBean " + name + ": " + e, null, "", e);
        }
        LOG.debug("pool {} registered MBean {}", pool, name);
        return bean;
    }

    void unregister() {
        try {
            server.unregisterMBean(name);
        } catch (InstanceNotFoundException e) {
            // Someone else unregistered it: nothing left to do.
        } catch (JMException e) {
            LOG.warn("pool {} could not unregister MBean {}: {}", engine.config().name(), name, e.toString());
        }
    }

    @Override public int getWorkers() { return engine.stats().workers(); }
    @Override public int getTargetWorkers() { return engine.stats().targetWorkers(); }
    @Override public int getReadyWorkers() { return engine.stats().ready(); }
    @Override public int getStartingWorkers() { return engine.stats().starting(); }
    @Override public int getInFlight() { return engine.stats().inFlight(); }
    @Override public int getWaiting() { return engine.stats().waiting(); }
    @Override public int getSessions() { return engine.stats().sessions(); }
    @Override public long getCallsCompleted() { return engine.stats().callsCompleted(); }
    @Override public long getCallsFailed() { return engine.stats().callsFailed(); }
    @Override public long getCallsRetried() { return engine.stats().callsRetried(); }
    @Override public long getCallsCancelled() { return engine.stats().callsCancelled(); }
    @Override public long getCallsTimedOut() { return engine.stats().callsTimedOut(); }
    @Override public long getWorkersReplaced() { return engine.stats().workersReplaced(); }
    @Override public long getWorkersRecycled() { return engine.stats().workersRecycled(); }
    @Override public String getHealthStatus() { return engine.health().status().name(); }
    @Override public String getHealthReason() { return engine.health().reason(); }

    @Override
    public void resize(int workers) {
        engine.resize(workers);
    }

    @Override
    public void recycleWorkers() {
        engine.recycleWorkers();
    }
}
