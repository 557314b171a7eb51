package dev.taipan.pool;

/** Names and starts a pool's daemon threads, so a thread dump shows which pool owns what. */
final class PoolThreads {
    private final String poolName;

    PoolThreads(String poolName) {
        this.poolName = poolName;
    }

    Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name.startsWith(poolName) ? name : poolName + "-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
