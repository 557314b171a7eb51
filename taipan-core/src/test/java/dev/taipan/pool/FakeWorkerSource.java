package dev.taipan.pool;

import dev.taipan.PoolConfig;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link WorkerSource} of {@link FakeWorker}s: in-JVM workers on real sockets that speak the
 * real protocol, so the engine (routing, supervision, recycling, sessions, liveness) can be
 * tested without Python, fast and deterministically. The model is HikariCP's
 * {@code StubDataSource}: the engine cannot tell, the test scripts everything.
 *
 * <pre>{@code
 * FakeWorkerSource fakes = new FakeWorkerSource().on("add", call -> (Long) call.arg(0) + (Long) call.arg(1));
 * try (PoolEngine pool = fakes.start(config)) {
 *     pool.call("add", List.of(1, 2), null);       // 3
 *     fakes.awaitStart(1).crash();                   // worker w-1 dies; the pool replaces it
 * }
 * }</pre>
 *
 * Every wait here is bounded ({@link #WAIT}) and fails the test rather than hanging it.
 * One source serves one pool.
 */
final class FakeWorkerSource implements WorkerSource {
    static final Duration WAIT = Duration.ofSeconds(10);
    private static final CompletableFuture<Void> OPEN = CompletableFuture.completedFuture(null);

    private final Map<String, FakeFunction> functions = new ConcurrentHashMap<>();
    private final java.util.Set<String> idempotent = ConcurrentHashMap.newKeySet();
    private final List<FakeWorker> started = new CopyOnWriteArrayList<>();
    private final BlockingQueue<FakeCall> calls = new LinkedBlockingQueue<>();
    private final AtomicInteger failStarts = new AtomicInteger();
    private final AtomicInteger launches = new AtomicInteger();
    private volatile int failStatus = 2;
    private volatile boolean exitsRaceAnswers;
    /** The {@code slots} the workers' hello reports; 0: the pool's own setting. */
    private volatile int helloSlots;
    private volatile CompletableFuture<Void> startGate = OPEN;
    private volatile SourceContext context;
    private Path dir;

    // ------------------------------------------------------------------ scripting

    /** The protocol version and package the workers' hello reports; null: this pool's own. */
    private volatile Long helloProtocol;
    private volatile String helloPackage;

    /** Workers started from now on say in their hello that they speak {@code protocol} and are {@code pkg}. */
    FakeWorkerSource helloVersions(long protocol, String pkg) {
        this.helloProtocol = protocol;
        this.helloPackage = pkg;
        return this;
    }

    Long helloProtocol() {
        return helloProtocol;
    }

    String helloPackage() {
        return helloPackage;
    }

    /** Workers started from now on say in their hello that they take {@code slots} calls at once. */
    FakeWorkerSource helloSlots(int slots) {
        this.helloSlots = slots;
        return this;
    }

    /** What calls of {@code function} do on every worker (hello lists the functions known at its start). */
    FakeWorkerSource on(String function, FakeFunction fn) {
        functions.put(function, fn);
        return this;
    }

    /** Like {@link #on}, declared {@code @function(idempotent=True)}: the pool may re-run its calls elsewhere. */
    FakeWorkerSource onIdempotent(String function, FakeFunction fn) {
        idempotent.add(function);
        return on(function, fn);
    }

    /** The next {@code n} workers exit with status 2 before hello (an import failure). */
    FakeWorkerSource failNextStarts(int n) {
        return failNextStarts(n, 2);
    }

    FakeWorkerSource failNextStarts(int n, int status) {
        failStatus = status;
        failStarts.set(n);
        return this;
    }

    /**
     * The adversarial schedule of a drained exit: a worker that answers its last call after
     * SIGTERM and exits has its exit noticed before the pool read that answer (a real worker's
     * exit and its last frames reach the JVM by different paths, in no set order). By default the
     * pool reads the answer and the end of the stream first.
     */
    FakeWorkerSource exitsRaceAnswers(boolean race) {
        exitsRaceAnswers = race;
        return this;
    }

    /** Workers launched from now on connect but wait before hello, until {@link #resumeStarts}. */
    void pauseStarts() {
        if (startGate.isDone()) {
            startGate = new CompletableFuture<>();
        }
    }

    void resumeStarts() {
        startGate.complete(null);
    }

    /** Starts a pool whose workers all come from this source. */
    PoolEngine start(PoolConfig config) {
        return PoolEngine.start(config, ctx -> {
            if (context != null) {
                throw new IllegalStateException("a FakeWorkerSource serves one pool");
            }
            context = ctx;
            dir = Files.createTempDirectory("taipan-fake-");
            return this;
        });
    }

    PoolEngine start(PoolConfig.Builder config) {
        return start(config.build());
    }

    // ------------------------------------------------------------------ looking

    /** The workers launched so far, in launch order (failed starts included). */
    List<FakeWorker> started() {
        return List.copyOf(started);
    }

    /** The {@code n}-th worker launched (1-based), waiting for its launch. */
    FakeWorker awaitStart(int n) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (started) {
            while (started.size() < n) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("worker " + n + " was not launched within " + WAIT + "; launched: "
                            + started);
                }
                try {
                    started.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
        return started.get(n - 1);
    }

    /** The worker with the pool's id {@code workerId}. */
    FakeWorker worker(String workerId) {
        for (FakeWorker w : started) {
            if (w.id.equals(workerId)) {
                return w;
            }
        }
        throw new AssertionError("no fake worker " + workerId + " was launched; launched: " + started);
    }

    /** The next call any worker began running (in the order they began), waiting for it. */
    FakeCall takeCall() {
        try {
            FakeCall c = calls.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (c == null) {
                throw new AssertionError("no call reached a fake worker within " + WAIT);
            }
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The calls that began and were not taken yet, without waiting. */
    List<FakeCall> untakenCalls() {
        return new ArrayList<>(calls);
    }

    // ------------------------------------------------------------------ for the fake workers

    FakeFunction function(String name) {
        return functions.get(name);
    }

    List<String> functionNames() {
        TreeSet<String> names = new TreeSet<>(functions.keySet());
        names.add(SessionImpl.SNAPSHOT_FUNCTION);
        return List.copyOf(names);
    }

    List<String> idempotentNames() {
        return List.copyOf(new TreeSet<>(idempotent));
    }

    boolean exitsRaceAnswers() {
        return exitsRaceAnswers;
    }

    CompletableFuture<Void> startGate() {
        return startGate;
    }

    void began(FakeCall call) {
        calls.add(call);
    }

    // ------------------------------------------------------------------ WorkerSource

    @Override
    public Launch launch(Worker w) {
        PoolConfig config = context.config();
        int n = launches.incrementAndGet();
        Integer failWith = failStarts.getAndUpdate(k -> Math.max(0, k - 1)) > 0 ? failStatus : null;
        SocketChannel poolSide = null;
        SocketChannel workerSide = null;
        try {
            Path sock = dir.resolve(w.id + ".sock");
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(sock));
                workerSide = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                poolSide = server.accept();
            } finally {
                Files.deleteIfExists(sock);
            }
            Connection connection = new Connection(poolSide, config.maxFrameBytes());
            FakeWorker fake = new FakeWorker(this, w.id, FakeProcess.PID_BASE + n, workerSide,
                    config.maxFrameBytes(), helloSlots > 0 ? helloSlots : config.slots(), failWith);
            w.process = fake.process();
            synchronized (started) {
                started.add(fake);
                started.notifyAll();
            }
            fake.start();
            return new Launch(CompletableFuture.completedFuture(fake.process()),
                    CompletableFuture.completedFuture(connection));
        } catch (IOException e) {
            closeQuietly(poolSide);
            closeQuietly(workerSide);
            return new Launch(CompletableFuture.failedFuture(e), new CompletableFuture<>());
        }
    }

    /** The pool closed: whatever is still running goes (SIGKILL), so no fake thread outlives its test. */
    @Override
    public void close() {
        resumeStarts();
        for (FakeWorker w : started) {
            w.exit(137);
        }
        try {
            if (dir != null) {
                Files.deleteIfExists(dir);
            }
        } catch (IOException ignored) {
            // A temp directory left behind is harmless.
        }
    }

    private static void closeQuietly(SocketChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Best effort.
            }
        }
    }
}
