package dev.taipan;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Run in a child JVM by ProcessTreeTest: a pool whose worker starts processes of its own (a
 * double-forked daemon, a subprocess in a new session); prints their pids and the worker's,
 * then waits to be killed.
 */
public final class DaemonChildJvm {
    private DaemonChildJvm() {
    }

    public static void main(String[] args) throws InterruptedException {
        TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("daemon-child").python(args[0]).workers(1)
                .modules("taipan_testing.functions").build());
        System.out.println("PID " + pool.workers().get(0).pid());
        for (String starter : List.of("double_fork_setsid", "popen_new_session", "fork_sleeper")) {
            System.out.println("PID " + pool.call("taipan_testing.functions:" + starter, List.of(60)));
        }
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
