package dev.taipan;

import java.util.concurrent.CountDownLatch;

/** Run in a child JVM by LifecycleTest: starts a pool, prints its worker pids, then waits to be killed. */
public final class ChildJvmPool {
    private ChildJvmPool() {
    }

    public static void main(String[] args) throws InterruptedException {
        TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("child").python(args[0]).workers(4).build());
        pool.workers().forEach(w -> System.out.println("PID " + w.pid()));
        pool.call("ping");
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
