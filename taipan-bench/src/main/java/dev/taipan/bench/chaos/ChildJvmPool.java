package dev.taipan.bench.chaos;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;

import java.util.concurrent.CountDownLatch;

/**
 * Run in a child JVM by {@link JvmKilled}: starts a pool of {@code args[1]} workers with the
 * Python {@code args[0]}, prints {@code PID <pid>} per worker and {@code READY}, then waits to
 * be killed.
 */
public final class ChildJvmPool {
    private ChildJvmPool() {
    }

    public static void main(String[] args) throws InterruptedException {
        int workers = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("chaos-child").python(args[0])
                .workers(workers).build());
        pool.workers().forEach(w -> System.out.println("PID " + w.pid()));
        pool.call("ping");
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
