package dev.taipan.pool;

import dev.taipan.SerializationException;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import dev.taipan.protocol.PartialMessage;
import dev.taipan.protocol.ProtocolException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-JVM worker that speaks the real protocol (docs/PROTOCOL.md) over a real socket, the
 * way {@code taipan_worker.runtime} does: {@code hello} first, then every frame from the host
 * in order on one reader thread (its "event loop"), each call's function on a thread of its
 * own. What its functions do is the test's script ({@link FakeFunction}); what the worker as
 * a whole does (crash, hang, drain, fail to start) is the test's to decide, through this class.
 *
 * <p>Like the real worker it answers heartbeats from its loop, answers {@code cancel} with a
 * {@code cancelled} error at once, refuses new calls with {@code draining} once told to stop,
 * exits 0 when drained or when the host closes the connection, keeps each session's state and
 * sends {@code session_state} before a snapshotted call's answer. Unlike it, it enforces no
 * deadlines of its own: the host's timer is what the engine's tests are about.
 *
 * <p>Its exits: {@link #exit} closes the socket and reports the status at once (a crash, a
 * kill, a failed start); a drained exit after answering calls lets the host read the answers
 * and the end of the stream first (unless {@link FakeWorkerSource#exitsRaceAnswers}).
 */
final class FakeWorker {
    static final List<String> CAPABILITIES = List.of("cancel", "sessions", "heartbeat", "stream", "callback",
            "snapshots", "chunk_ack");

    final String id;
    final long pid;
    final long launchedNanos = System.nanoTime();
    private final FakeWorkerSource source;
    private final SocketChannel channel;
    private final int maxFrameBytes;
    private final int slots;
    /** Exit with this status before hello (a failed start), or null. */
    private final Integer failStartStatus;
    private final FakeProcess process;
    private final Thread loop;
    private final ExecutorService calls;
    private final Object writeLock = new Object();
    private final AtomicBoolean exited = new AtomicBoolean();
    private final CompletableFuture<Void> helloSent = new CompletableFuture<>();
    /** Every frame the host sent, in order. */
    private final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger heartbeatsAnswered = new AtomicInteger();

    // Guarded by this: the loop's state (the real worker has one thread for it).
    private final Map<Long, FakeCall> inflight = new LinkedHashMap<>();
    private final Map<String, FakeSession> sessions = new ConcurrentHashMap<>();
    private boolean draining;
    /** Calls were answered after the drain began: the host must read those answers before it learns of the exit. */
    private boolean answeredWhileDraining;
    private volatile boolean hung;
    /** What heartbeat replies report as {@code overrun}: threads still running calls that ended. */
    private volatile int overrunThreads;
    /** Exiting, once the host has read everything (see {@link #exitOnceRead}): frames are no longer handled. */
    private volatile boolean leaving;

    /** A session's state and, with snapshots, its mode and the number of its last snapshot. */
    private static final class FakeSession {
        /** Python's dict: ordered, and None is a value like any other. */
        final Map<String, Object> state = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
        String mode;
        long seq;
    }

    FakeWorker(FakeWorkerSource source, String id, long pid, SocketChannel channel, int maxFrameBytes, int slots,
               Integer failStartStatus) {
        this.source = source;
        this.id = id;
        this.pid = pid;
        this.channel = channel;
        this.maxFrameBytes = maxFrameBytes;
        this.slots = slots;
        this.failStartStatus = failStartStatus;
        this.process = new FakeProcess(pid, this);
        AtomicInteger n = new AtomicInteger();
        this.calls = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-" + id + "-call-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.loop = new Thread(this::run, "fake-" + id + "-loop");
        loop.setDaemon(true);
    }

    void start() {
        loop.start();
    }

    FakeProcess process() {
        return process;
    }

    // ------------------------------------------------------------------ what a test can do to it

    /** SIGSEGV: the socket closes and the process exits 139, whatever is in flight. */
    void crash() {
        exit(139);
    }

    /** The process ends now with {@code status}: its socket closes, its calls go with it. */
    void exit(int status) {
        if (!exited.compareAndSet(false, true)) {
            return;
        }
        try {
            channel.close(); // first, as a dying process's socket closes with it
        } catch (IOException ignored) {
            // Closed either way.
        }
        List<FakeCall> gone;
        synchronized (this) {
            gone = new ArrayList<>(inflight.values());
            inflight.clear();
        }
        gone.forEach(FakeCall::ended);
        calls.shutdownNow();
        process.exited(status);
    }

    /** The event loop is stuck (C code holding the GIL): nothing is answered any more, not even heartbeats. */
    void hang() {
        hung = true;
    }

    /** From now on, heartbeat replies say that {@code threads} plain-function threads overran their calls. */
    void reportOverrun(int threads) {
        overrunThreads = threads;
    }

    /**
     * SIGTERM from outside the pool: new calls get {@code draining}; the worker exits 0 once its
     * calls in flight have ended (at once if there are none).
     */
    synchronized void startDraining() {
        draining = true;
        exitIfDrained();
    }

    boolean hasExited() {
        return exited.get();
    }

    /** Completes once hello was sent. */
    CompletableFuture<Void> helloSent() {
        return helloSent;
    }

    /** Every frame the host sent so far, in order. */
    List<Map<String, Object>> received() {
        return List.copyOf(received);
    }

    /** The types of the frames the host sent so far, in order. */
    List<String> receivedTypes() {
        List<String> types = new ArrayList<>();
        received.forEach(m -> types.add(Messages.type(m)));
        return types;
    }

    int heartbeatsAnswered() {
        return heartbeatsAnswered.get();
    }

    /** The state the worker holds for {@code session} (created empty on first use, like Python's). */
    Map<String, Object> sessionState(String session) {
        return sessions.computeIfAbsent(session, s -> new FakeSession()).state;
    }

    boolean holdsSession(String session) {
        return sessions.containsKey(session);
    }

    // ------------------------------------------------------------------ the loop

    private void run() {
        try {
            if (failStartStatus != null) {
                // Like a failed import: connected, then gone before hello.
                exit(failStartStatus);
                return;
            }
            CompletableFuture.anyOf(source.startGate(), process.exitStatus()).join();
            if (exited.get()) {
                return;
            }
            send(hello());
            helloSent.complete(null);
            InputStream in = new ChannelInput(channel);
            Map<String, Object> msg;
            while ((msg = FrameCodec.read(in, maxFrameBytes)) != null) {
                received.add(msg);
                if (!hung && !leaving) {
                    dispatch(msg);
                }
            }
            if (!hung) {
                exit(0); // the host closed the connection
            } // a stuck loop never sees the end of the stream: it lives on until killed
        } catch (ProtocolException e) {
            exit(3); // a malformed frame from the host, as the real worker does
        } catch (IOException | RuntimeException e) {
            if (!hung) {
                exit(exited.get() || leaving ? 0 : 1); // our own exit closed the socket, or it broke
            }
        }
    }

    private Map<String, Object> hello() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", source.helloProtocol() != null ? source.helloProtocol() : (long) Messages.VERSION);
        m.put("type", Messages.HELLO);
        m.put("worker_id", id);
        m.put("pid", pid);
        m.put("python", "3.12.0");
        m.put("implementation", "FakePython");
        // This Taipan's own package version unless a test is about versions: another one only
        // adds a VersionCheck warning per worker to the test output.
        m.put("package", source.helloPackage() != null ? source.helloPackage() : TaipanVersion.pythonVersion());
        m.put("slots", slots);
        m.put("max_frame_bytes", maxFrameBytes);
        m.put("functions", source.functionNames());
        m.put("capabilities", CAPABILITIES);
        m.put("idempotent", source.idempotentNames());
        return m;
    }

    private void dispatch(Map<String, Object> msg) {
        String type = Messages.type(msg);
        if (msg instanceof PartialMessage) {
            PartialMessage bad = (PartialMessage) msg;
            if (Messages.CALL.equals(type)) {
                send(Messages.error(Messages.integer(msg, "id"), "bad_value", "", "the call cannot be decoded: "
                        + bad.problem(), "", false));
            }
            return;
        }
        switch (type) {
            case Messages.CALL:
                onCall(msg);
                break;
            case Messages.CANCEL:
                onCancel(Messages.integer(msg, "id"));
                break;
            case Messages.HEARTBEAT: {
                Map<String, Object> reply = Messages.heartbeat(Messages.integer(msg, "seq"));
                if (overrunThreads > 0) {
                    reply.put("overrun", overrunThreads);
                }
                send(reply);
                heartbeatsAnswered.incrementAndGet();
                break;
            }
            case Messages.SESSION_OPEN: {
                FakeSession s = sessions.computeIfAbsent(Messages.string(msg, "session"), k -> new FakeSession());
                s.mode = Messages.string(msg, "snapshots");
                break;
            }
            case Messages.SESSION_RESTORE: {
                FakeSession s = sessions.computeIfAbsent(Messages.string(msg, "session"), k -> new FakeSession());
                @SuppressWarnings("unchecked")
                Map<String, Object> state = (Map<String, Object>) msg.get("state");
                synchronized (s.state) {
                    s.state.clear();
                    s.state.putAll(state);
                }
                s.seq = Messages.integer(msg, "seq");
                s.mode = Messages.string(msg, "snapshots");
                break;
            }
            case Messages.SESSION_CLOSE:
                sessions.remove(Messages.string(msg, "session"));
                break;
            case Messages.CHUNK_ACK: {
                FakeCall call = inflight(Messages.integer(msg, "id"));
                if (call != null) {
                    call.acked(Messages.integer(msg, "seq"));
                }
                break;
            }
            case Messages.CALLBACK_RESULT: {
                FakeCall call = inflight(Messages.integer(msg, "id"));
                if (call != null) {
                    call.answered(msg);
                }
                break;
            }
            default:
                throw new ProtocolException("unexpected message type '" + type + "' from the host");
        }
    }

    private synchronized FakeCall inflight(long id) {
        return inflight.get(id);
    }

    private void onCall(Map<String, Object> msg) {
        FakeCall call = new FakeCall(this, msg);
        FakeFunction fn;
        synchronized (this) {
            if (inflight.containsKey(call.id)) {
                throw new ProtocolException("call id " + call.id + " is already in flight");
            }
            if (draining) {
                send(Messages.error(call.id, "draining", "", "the worker is shutting down", "", true));
                return;
            }
            if (SessionImpl.SNAPSHOT_FUNCTION.equals(call.function)) {
                // The built-in, answered on the loop: its snapshot, then nil.
                inflight.put(call.id, call);
                finish(call, Messages.result(call.id, null), true);
                return;
            }
            fn = source.function(call.function);
            if (fn == null) {
                send(Messages.error(call.id, "unknown_function", "", "unknown function '" + call.function
                        + "'; available functions: " + String.join(", ", source.functionNames()), "", false));
                return;
            }
            inflight.put(call.id, call);
        }
        source.began(call);
        try {
            calls.execute(() -> runCall(call, fn));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Exiting: the call goes with the worker.
        }
    }

    private void runCall(FakeCall call, FakeFunction fn) {
        Map<String, Object> answer;
        try {
            Object value = fn.run(call);
            answer = Messages.result(call.id, value);
            try {
                FrameCodec.encode(answer, maxFrameBytes);
            } catch (SerializationException e) {
                answer = Messages.error(call.id, "unserializable_result", "", "value: " + e.getMessage(), "", false);
            }
        } catch (FakeCall.Stopped | InterruptedException e) {
            return; // ended without us (cancelled), or the worker is exiting
        } catch (FakeFunction.PythonError e) {
            answer = Messages.error(call.id, "exception", e.errorType, e.getMessage(), traceback(e.errorType,
                    e.getMessage()), false);
        } catch (Exception e) {
            String type = e.getClass().getSimpleName();
            answer = Messages.error(call.id, "exception", type, String.valueOf(e.getMessage()),
                    traceback(type, e.getMessage()), false);
        }
        synchronized (this) {
            finish(call, answer, false);
        }
    }

    private static String traceback(String type, String message) {
        return "Traceback (most recent call last):\n  File \"<fake>\", line 1, in <module>\n" + type + ": " + message;
    }

    /** Ends a call with its answer, after its snapshot if it has one. Call holding this. */
    private void finish(FakeCall call, Map<String, Object> answer, boolean snapshotAnyway) {
        if (inflight.get(call.id) != call) {
            return; // already ended by a cancel: the late answer is discarded
        }
        if (hung) {
            return; // a stuck loop sends nothing; the call stays in flight
        }
        inflight.remove(call.id);
        answeredWhileDraining |= draining;
        call.ended();
        if (draining && inflight.isEmpty() && source.exitsRaceAnswers()) {
            // The exit is noticed first: once the pool learnt of it, the answer is still unread.
            process.exited(0);
        }
        FakeSession s = call.session == null ? null : sessions.get(call.session);
        if (s != null && s.mode != null && (snapshotAnyway || "after_each_call".equals(s.mode))) {
            send(sessionState(call.id, call.session, s));
        }
        send(answer);
        exitIfDrained();
    }

    private static Map<String, Object> sessionState(long callId, String session, FakeSession s) {
        s.seq++;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("v", Messages.VERSION);
        m.put("type", Messages.SESSION_STATE);
        m.put("id", callId);
        m.put("session", session);
        m.put("seq", s.seq);
        synchronized (s.state) {
            m.put("state", new LinkedHashMap<>(s.state));
        }
        m.put("error", null);
        m.put("path", null);
        return m;
    }

    private synchronized void onCancel(long id) {
        FakeCall call = inflight.remove(id);
        if (call == null) {
            return; // unknown or finished: the race is normal
        }
        call.cancelledByHost();
        answeredWhileDraining |= draining;
        send(Messages.error(id, "cancelled", "", "the call was cancelled by the host", "", false));
        exitIfDrained();
    }

    private void exitIfDrained() {
        if (!draining || !inflight.isEmpty()) {
            return;
        }
        if (answeredWhileDraining && !source.exitsRaceAnswers()) {
            exitOnceRead();
        } else {
            exit(0);
        }
    }

    /**
     * A drained exit after answering calls, in the order a host sees it when all goes well: the
     * answers, the end of the stream, and only then the process's exit (status 0), once the host
     * closed its end. A real worker's exit can also be noticed before its last answers are read
     * ({@link FakeWorkerSource#exitsRaceAnswers}).
     */
    private void exitOnceRead() {
        leaving = true;
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            exit(0);
        }
        // The loop reads on until the host closes the connection, then reports the exit.
    }

    // ------------------------------------------------------------------ writing

    /** Writes one frame; after the worker exited, nothing (its socket is gone). */
    void send(Map<String, Object> message) {
        byte[] frame = FrameCodec.encode(message, maxFrameBytes);
        synchronized (writeLock) {
            if (exited.get()) {
                return;
            }
            ByteBuffer buf = ByteBuffer.wrap(frame);
            try {
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            } catch (IOException e) {
                // The host is gone; the loop sees the end of the stream and exits.
            }
        }
    }

    /**
     * A blocking channel's bytes as a stream. Not {@code Channels.newInputStream}: on Java 17
     * its reads hold the channel's blocking lock, which its writes need too, so a worker
     * waiting for a frame could not answer one.
     */
    private static final class ChannelInput extends InputStream {
        private final SocketChannel channel;

        ChannelInput(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return channel.read(ByteBuffer.wrap(b, off, len));
        }
    }

    @Override
    public String toString() {
        return "FakeWorker{" + id + ", pid " + pid + (exited.get() ? ", exited" : "") + "}";
    }
}
