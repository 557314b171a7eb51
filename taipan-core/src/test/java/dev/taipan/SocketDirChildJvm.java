package dev.taipan;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Run in a child JVM by SocketDirsTest: a pool whose socket directory is under {@code args[1]}; then it waits to be killed. */
public final class SocketDirChildJvm {
    private SocketDirChildJvm() {
    }

    public static void main(String[] args) throws InterruptedException {
        TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("socket-dir-child").python(args[0]).workers(1)
                .socketParent(Path.of(args[1])).build());
        pool.call("ping");
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
