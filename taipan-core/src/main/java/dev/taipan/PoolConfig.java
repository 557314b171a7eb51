package dev.taipan;

import dev.taipan.protocol.FrameCodec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

/**
 * Immutable configuration of a {@link TaipanPool}. Build one with {@link #builder()};
 * {@link Builder#build()} validates every setting and fails fast with a message that names
 * the setting, so a misconfigured pool never starts half-way.
 */
public final class PoolConfig {
    /**
     * The longest duration any setting (and a per-call timeout) takes: 365 days. Far below
     * what the pool's nanosecond arithmetic holds (about 292 years), so no deadline, backoff or
     * timer computed from a setting can overflow.
     */
    public static final Duration MAX_DURATION = Duration.ofDays(365);
    /** The shortest positive duration a setting takes: timers run at millisecond precision. */
    public static final Duration MIN_DURATION = Duration.ofMillis(1);
    /** The largest frame (and stream byte window): 1 GiB, well inside a Java array. */
    public static final int MAX_FRAME_BYTES = 1 << 30;
    /** The most workers a pool may have: the ceiling of {@code workers} and of {@link TaipanPool#resize}. */
    public static final int MAX_WORKERS = 1024;
    /**
     * The most bytes (UTF-8 names and values together) of secrets: 512 KiB. Secrets travel to
     * every worker in one frame on a pipe (a spawned worker's {@code start}, the zygote's
     * {@code env}), which Python reads with a 1 MiB limit; the rest is headroom for the token
     * and the envelope.
     */
    public static final int MAX_SECRET_BYTES = 512 * 1024;
    private static final Pattern MODULE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,40}");

    private final String name;
    private final PythonEnvironment python;
    private final List<String> modules;
    private final List<Path> pythonPath;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final Path socketParent;
    private final int workers;
    private final int slots;
    private final int maxWaiting;
    private final int maxFrameBytes;
    private final boolean lazyStart;
    private final Duration startTimeout;
    private final Duration callTimeout;
    private final Duration acquireTimeout;
    private final Duration drainTimeout;
    private final Duration killTimeout;
    private final Duration sessionIdleTimeout;
    private final Duration restartBackoff;
    private final Duration maxRestartBackoff;
    private final int maxConsecutiveStartFailures;
    private final Duration circuitRetryInterval;
    private final PoolListener listener;
    private final CallTracer callTracer;
    private final Executor callbackExecutor;
    private final boolean shutdownHook;
    private final boolean registerMBean;
    private final Duration heartbeatInterval;
    private final long maxCallsPerWorker;
    private final Duration maxWorkerLifetime;
    private final long maxWorkerRssBytes;
    private final Set<String> secretNames;
    private final StartMode startMode;
    private final WorkerLogLevel workerLogLevel;
    private final int streamWindow;
    private final int streamWindowBytes;
    private final List<RemoteHost> remoteHosts;
    private final boolean localWorkers;

    private PoolConfig(Builder b) {
        this.name = b.name;
        this.python = b.python;
        this.modules = List.copyOf(b.modules);
        this.pythonPath = List.copyOf(b.pythonPath);
        this.environment = Map.copyOf(b.environment);
        this.workingDirectory = b.workingDirectory;
        this.socketParent = b.socketParent;
        this.workers = b.workers;
        this.slots = b.slots;
        this.maxWaiting = b.maxWaiting;
        this.maxFrameBytes = b.maxFrameBytes;
        this.lazyStart = b.lazyStart;
        this.startTimeout = b.startTimeout;
        this.callTimeout = b.callTimeout;
        this.acquireTimeout = b.acquireTimeout;
        this.drainTimeout = b.drainTimeout;
        this.killTimeout = b.killTimeout;
        this.sessionIdleTimeout = b.sessionIdleTimeout;
        this.restartBackoff = b.restartBackoff;
        this.maxRestartBackoff = b.maxRestartBackoff;
        this.maxConsecutiveStartFailures = b.maxConsecutiveStartFailures;
        this.circuitRetryInterval = b.circuitRetryInterval;
        this.listener = b.listener;
        this.callTracer = b.callTracer;
        this.callbackExecutor = b.callbackExecutor;
        this.shutdownHook = b.shutdownHook;
        this.registerMBean = b.registerMBean;
        this.heartbeatInterval = b.heartbeatInterval;
        this.maxCallsPerWorker = b.maxCallsPerWorker;
        this.maxWorkerLifetime = b.maxWorkerLifetime;
        this.maxWorkerRssBytes = b.maxWorkerRssBytes;
        this.secretNames = Set.copyOf(b.secretNames);
        this.startMode = b.startMode;
        this.workerLogLevel = b.workerLogLevel;
        this.streamWindow = b.streamWindow;
        this.streamWindowBytes = b.streamWindowBytes;
        this.remoteHosts = List.copyOf(b.remoteHosts);
        this.localWorkers = b.localWorkers;
    }

    /**
     * {@return a builder holding the defaults} Each setting's default is named on its builder
     * method; {@link Builder#build()} checks them all.
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A configuration from {@code taipan.pool.*} properties (as {@code HikariConfig(Properties)}):
     * every builder option but the listener and the callback executor has a property, named in
     * docs/SPRING_BOOT.md), e.g. {@code taipan.pool.workers=4},
     * {@code taipan.pool.call-timeout=30s}, {@code taipan.pool.modules=a.b,c}. Remote hosts:
     * {@code taipan.pool.remote-hosts=10.0.0.5:7300,[fd00::7]:7300}, all over the TLS config of
     * {@code taipan.pool.tls.certificate-chain}, {@code .private-key}, {@code .trusted-certificates}
     * (optional {@code .peer-name}, {@code .handshake-timeout}), or, on loopback only, over plain
     * TCP with {@code taipan.pool.remote-hosts.plain-tcp=true}; optional
     * {@code taipan.pool.remote-hosts.lease} and {@code taipan.pool.local-workers}. Keys outside
     * {@code taipan.pool.} are ignored, so one file can hold the application's other settings.
     * Set the listener or executor on {@link #toBuilder()} of the result.
     *
     * @param properties the properties to read; only the {@code taipan.pool.*} keys count
     * @return the validated configuration
     * @throws PoolConfigException naming the property: an unknown key (with the valid ones), a
     *                             value that does not parse, or one the builder rejects
     */
    public static PoolConfig from(java.util.Properties properties) {
        Objects.requireNonNull(properties, "properties");
        Map<String, Object> map = new LinkedHashMap<>();
        for (String key : properties.stringPropertyNames()) {
            map.put(key, properties.getProperty(key));
        }
        return from(map);
    }

    /**
     * Every property {@link #from(Map)} reads, in the order of the docs' table; the two
     * families of variables end in {@code NAME} ({@code taipan.pool.env.NAME},
     * {@code taipan.pool.secret-from-env.NAME}).
     *
     * @return the property names, an unmodifiable list
     */
    public static List<String> propertyNames() {
        return List.copyOf(PoolProperties.names());
    }

    /**
     * {@link #from(java.util.Properties)} of a map (values are strings, or already of the option's type).
     *
     * @param properties the properties to read; only the {@code taipan.pool.*} keys count
     * @return the validated configuration
     * @throws PoolConfigException naming the property: an unknown key (with the valid ones), a
     *                             value that does not parse or is of the wrong type, or one the
     *                             builder rejects
     */
    public static PoolConfig from(Map<String, ?> properties) {
        return PoolProperties.parse(properties, System::getenv);
    }

    /** {@return a new builder holding this configuration's values, to derive a variant} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.python = python;
        b.modules.addAll(modules);
        b.pythonPath.addAll(pythonPath);
        b.environment.putAll(environment);
        b.workingDirectory = workingDirectory;
        b.socketParent = socketParent;
        b.workers = workers;
        b.slots = slots;
        b.maxWaiting = maxWaiting;
        b.maxFrameBytes = maxFrameBytes;
        b.lazyStart = lazyStart;
        b.startTimeout = startTimeout;
        b.callTimeout = callTimeout;
        b.acquireTimeout = acquireTimeout;
        b.drainTimeout = drainTimeout;
        b.killTimeout = killTimeout;
        b.sessionIdleTimeout = sessionIdleTimeout;
        b.restartBackoff = restartBackoff;
        b.maxRestartBackoff = maxRestartBackoff;
        b.maxConsecutiveStartFailures = maxConsecutiveStartFailures;
        b.circuitRetryInterval = circuitRetryInterval;
        b.listener = listener;
        b.callTracer = callTracer;
        b.callbackExecutor = callbackExecutor;
        b.shutdownHook = shutdownHook;
        b.registerMBean = registerMBean;
        b.heartbeatInterval = heartbeatInterval;
        b.maxCallsPerWorker = maxCallsPerWorker;
        b.maxWorkerLifetime = maxWorkerLifetime;
        b.maxWorkerRssBytes = maxWorkerRssBytes;
        b.secretNames.addAll(secretNames);
        b.startMode = startMode;
        b.workerLogLevel = workerLogLevel;
        b.streamWindow = streamWindow;
        b.streamWindowBytes = streamWindowBytes;
        b.remoteHosts.addAll(remoteHosts);
        b.localWorkers = localWorkers;
        return b;
    }

    /** {@return the pool name, used in thread names, log lines, the MBean's name and worker command lines} */
    public String name() { return name; }
    /**
     * The Python that runs {@code -m taipan_worker}: resolved (found, checked, provisioned if
     * need be) when the pool starts. Default {@link PythonEnvironment#detect()}.
     *
     * @return the workers' Python environment
     */
    public PythonEnvironment python() { return python; }
    /** {@return the modules whose {@code @function}s are callable; nothing else is (besides the built-ins)} */
    public List<String> modules() { return modules; }
    /** {@return the directories prepended to the workers' PYTHONPATH, in order} */
    public List<Path> pythonPath() { return pythonPath; }
    /** {@return the extra environment variables for the workers, secrets included; values are never logged} */
    public Map<String, String> environment() { return environment; }
    /** {@return the working directory of the workers, or null for the JVM's} */
    public Path workingDirectory() { return workingDirectory; }
    /** {@return the directory in which the pool creates its private (0700) socket directory; default {@code java.io.tmpdir}} */
    public Path socketParent() { return socketParent; }
    /** {@return how many workers the pool starts and keeps (1 to {@link #MAX_WORKERS}; default 2)} */
    public int workers() { return workers; }
    /** {@return how many calls one worker runs at once, as async tasks or threads (default 4)} */
    public int slots() { return slots; }
    /**
     * {@return how many calls may wait for a free slot (default 1024)} A call beyond that fails at
     * once with {@link WaitQueueFullException}; zero means no call waits.
     */
    public int maxWaiting() { return maxWaiting; }
    /**
     * {@return the largest frame, in bytes, either side sends (default 64 MiB)} A call whose
     * encoded arguments are larger fails with {@link FrameTooLargeException} before it is sent.
     */
    public int maxFrameBytes() { return maxFrameBytes; }
    /**
     * {@return whether {@link TaipanPool#start} returns without waiting for the workers to be
     * ready} Calls made before then wait for a worker like any other (default false).
     */
    public boolean lazyStart() { return lazyStart; }
    /** {@return how workers are started: forked from a warm zygote, or spawned} See {@link StartMode}. */
    public StartMode startMode() { return startMode; }
    /** {@return from which level the workers' Python logging records reach SLF4J; default {@link WorkerLogLevel#INFO}} */
    public WorkerLogLevel workerLogLevel() { return workerLogLevel; }
    /**
     * {@return how long a worker may take from launch to ready (its {@code hello}; default 60 s)}
     * A worker slower than that counts as a failed start.
     */
    public Duration startTimeout() { return startTimeout; }
    /** {@return the default per-call timeout, from submission to result, queueing included (default 60 s)} */
    public Duration callTimeout() { return callTimeout; }
    /** {@return the longest a call waits for a free slot before it fails with {@link AcquireTimeoutException} (default 30 s)} */
    public Duration acquireTimeout() { return acquireTimeout; }
    /** {@return on close, how long in-flight calls may take to finish before workers are stopped (default 10 s)} */
    public Duration drainTimeout() { return drainTimeout; }
    /** {@return after SIGTERM, how long a worker may take to exit before SIGKILL (default 5 s)} */
    public Duration killTimeout() { return killTimeout; }
    /**
     * {@return how long a session with no call in flight may stay unused before the pool closes
     * it (default 30 min)} Its next call then fails with {@link SessionClosedException}.
     */
    public Duration sessionIdleTimeout() { return sessionIdleTimeout; }
    /**
     * {@return the wait before restarting a worker after one failed start (default 100 ms)} It
     * doubles with each further consecutive failure, up to {@link #maxRestartBackoff()}.
     */
    public Duration restartBackoff() { return restartBackoff; }
    /** {@return the longest wait between restarts after consecutive failed starts (default 10 s)} */
    public Duration maxRestartBackoff() { return maxRestartBackoff; }
    /** {@return how many consecutive failed worker starts open the pool's circuit (default 5)} */
    public int maxConsecutiveStartFailures() { return maxConsecutiveStartFailures; }
    /** {@return while the circuit is open, how often each missing worker is tried again (default 30 s)} */
    public Duration circuitRetryInterval() { return circuitRetryInterval; }
    /** {@return the pool's listeners as one ({@link PoolListener#all}); {@link PoolListener#NONE} if none was added} */
    public PoolListener listener() { return listener; }
    /** {@return the tracer asked about every call, or null (no tracing: the default)} */
    public CallTracer callTracer() { return callTracer; }
    /**
     * Executor for the pool's callbacks into your code: completing {@code callAsync} futures,
     * delivering streamed chunks, and running Java functions Python calls back. Null (the
     * default) means a cached pool of daemon threads owned by the pool, so blocking
     * callbacks never starve each other or the common ForkJoinPool.
     *
     * @return the executor, or null for the pool's own threads
     */
    public Executor callbackExecutor() { return callbackExecutor; }
    /** {@return whether a JVM shutdown hook stops the workers of a pool left open (default true)} */
    public boolean shutdownHook() { return shutdownHook; }
    /** {@return whether the pool registers a {@link TaipanPoolMXBean} on the platform MBean server while it runs} */
    public boolean registerMBean() { return registerMBean; }
    /**
     * How often the pool sends each worker a heartbeat. A worker whose event loop answers
     * nothing (no frame at all) for three intervals, leaving three heartbeats in a row
     * unanswered, is unresponsive: it is killed, its calls fail with
     * {@link WorkerUnresponsiveException}, and it is replaced. Zero disables.
     *
     * @return the heartbeat period (default 5 s), or zero for none
     */
    public Duration heartbeatInterval() { return heartbeatInterval; }
    /**
     * The values of these environment variables are secrets: wherever they would appear in
     * a log line, an error message, a traceback or a stderr tail, Taipan writes {@code ***}.
     *
     * @return the names of the secret variables (their values are in {@link #environment()})
     */
    public Set<String> secretNames() { return secretNames; }
    /** {@return after how many calls a worker is recycled (0, the default: never)} */
    public long maxCallsPerWorker() { return maxCallsPerWorker; }
    /** {@return after about how long a worker is recycled, minus up to 20% jitter (zero, the default: never)} */
    public Duration maxWorkerLifetime() { return maxWorkerLifetime; }
    /** {@return the resident memory, in bytes (read from the OS), above which a worker is recycled (0, the default: never)} */
    public long maxWorkerRssBytes() { return maxWorkerRssBytes; }
    /**
     * Back-pressure of a streaming call with a chunk consumer: how many chunks the worker may
     * send ahead of the consumer. The generator pauses (in Python) until the consumer has
     * taken some, so a slow consumer holds at most this many chunks in the JVM.
     *
     * @return the window in chunks (default 32)
     */
    public int streamWindow() { return streamWindow; }
    /**
     * The same window in bytes of chunk frames: the worker also pauses once this many bytes
     * are unconsumed (a single chunk larger than the window still goes, alone).
     *
     * @return the window in bytes (default 8 MiB)
     */
    public int streamWindowBytes() { return streamWindowBytes; }

    /**
     * {@return the worker hosts the pool may start workers on} Empty (the default): every worker
     * runs on this machine.
     */
    public List<RemoteHost> remoteHosts() { return remoteHosts; }

    /**
     * {@return whether workers may also run on this machine} Always true without
     * {@link #remoteHosts()}; with them, true only if {@link Builder#localWorkers(boolean)} said
     * so (the pool then mixes local and remote workers).
     */
    public boolean localWorkers() { return localWorkers; }

    @Override
    public String toString() {
        // Environment values may hold secrets: only their names are shown.
        return "PoolConfig{name=" + name + ", python=" + python.description() + ", modules=" + modules
                + ", workers=" + workers + ", slots=" + slots + ", maxWaiting=" + maxWaiting
                + ", maxFrameBytes=" + maxFrameBytes + ", callTimeout=" + callTimeout
                + ", acquireTimeout=" + acquireTimeout + ", startTimeout=" + startTimeout + ", startMode=" + startMode
                + ", workerLogLevel=" + workerLogLevel
                + (remoteHosts.isEmpty() ? "" : ", remoteHosts=" + remoteHosts + ", localWorkers=" + localWorkers)
                + ", environment=" + environment.keySet() + "}";
    }

    /**
     * Collects the settings of a {@link PoolConfig}; nothing is checked until {@link #build()}.
     * Not thread-safe: build on one thread, then share the (immutable) configuration.
     */
    public static final class Builder {
        private String name;
        private PythonEnvironment python = PythonEnvironment.detect();
        private String invalidPython;
        private final List<String> modules = new ArrayList<>();
        private final List<Path> pythonPath = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path workingDirectory;
        private Path socketParent = Path.of(System.getProperty("java.io.tmpdir"));
        private int workers = 2;
        private int slots = 4;
        private int maxWaiting = 1024;
        private int maxFrameBytes = FrameCodec.DEFAULT_MAX_FRAME_BYTES;
        private boolean lazyStart;
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration callTimeout = Duration.ofSeconds(60);
        private Duration acquireTimeout = Duration.ofSeconds(30);
        private Duration drainTimeout = Duration.ofSeconds(10);
        private Duration killTimeout = Duration.ofSeconds(5);
        private Duration sessionIdleTimeout = Duration.ofMinutes(30);
        private Duration restartBackoff = Duration.ofMillis(100);
        private Duration maxRestartBackoff = Duration.ofSeconds(10);
        private int maxConsecutiveStartFailures = 5;
        private Duration circuitRetryInterval = Duration.ofSeconds(30);
        private PoolListener listener = PoolListener.NONE;
        private CallTracer callTracer;
        private Executor callbackExecutor;
        private boolean shutdownHook = true;
        private boolean registerMBean;
        private Duration heartbeatInterval = Duration.ofSeconds(5);
        private long maxCallsPerWorker;
        private Duration maxWorkerLifetime = Duration.ZERO;
        private long maxWorkerRssBytes;
        private final Set<String> secretNames = new java.util.LinkedHashSet<>();
        private StartMode startMode;
        private final List<RemoteHost> remoteHosts = new ArrayList<>();
        private Boolean localWorkers;
        private WorkerLogLevel workerLogLevel = WorkerLogLevel.INFO;
        private int streamWindow = 32;
        private int streamWindowBytes = 8 * 1024 * 1024;

        private Builder() {
        }

        /**
         * The pool's name, in thread names, log lines, the MBean and worker command lines
         * (default {@code taipan}).
         *
         * @param name 1 to 40 characters of {@code [A-Za-z0-9_.-]}
     * @return this builder
         */
        public Builder name(String name) { this.name = name; return this; }
        /**
         * The interpreter: {@link PythonEnvironment#interpreter(Path)} of this path or {@code PATH} name.
         * A string that is not a path fails in {@link #build()}.
         *
         * @param python the executable's path or name, or null/blank for none (then {@link #build()} fails)
     * @return this builder
         */
        public Builder python(String python) {
            try {
                return python(python == null || python.isBlank() ? null : Path.of(python));
            } catch (java.nio.file.InvalidPathException e) {
                this.python = null;
                this.invalidPython = "python '" + python + "' is not a path: " + e.getMessage();
                return this;
            }
        }
        /**
         * The interpreter: {@link PythonEnvironment#interpreter(Path)}.
         *
         * @param python the executable, or null/blank for none (then {@link #build()} fails)
     * @return this builder
         */
        public Builder python(Path python) {
            return python(python == null || python.toString().isBlank() ? null : PythonEnvironment.interpreter(python));
        }
        /**
         * Where the workers' Python comes from: an interpreter, a command, detection, or a
         * provisioned venv (default {@link PythonEnvironment#detect()}).
         *
         * @param python the environment, not null
     * @return this builder
         */
        public Builder python(PythonEnvironment python) {
            this.python = python;
            this.invalidPython = null;
            return this;
        }
        /**
         * Adds modules whose {@code @function}s the workers import and make callable: nothing
         * else is callable (besides the built-ins).
         *
         * @param modules dotted Python module names, e.g. {@code myapp.functions}
     * @return this builder
         */
        public Builder modules(String... modules) { this.modules.addAll(List.of(modules)); return this; }
        /**
         * Adds modules whose {@code @function}s the workers import, as {@link #modules(String...)}.
         *
         * @param modules dotted Python module names
     * @return this builder
         */
        public Builder modules(List<String> modules) { this.modules.addAll(modules); return this; }
        /**
         * Adds directories to prepend to the workers' PYTHONPATH, in order.
         *
         * @param dirs the directories
     * @return this builder
         */
        public Builder pythonPath(Path... dirs) { this.pythonPath.addAll(List.of(dirs)); return this; }
        /**
         * Sets an environment variable for the workers. Its value is never logged, but it is
         * in the worker's environment: use {@link #secret} for an API key.
         *
         * @param name the variable's name: not empty, no {@code =}, not {@code TAIPAN_*}
         * @param value its value: not null, no NUL character
     * @return this builder
         */
        public Builder env(String name, String value) { this.environment.put(name, value); return this; }
        /**
         * A variable for the workers whose value is a secret (an API key): never shown, and
         * never in any process's environment (which other processes of the user can read): it
         * reaches Python over a pipe and is set in {@code os.environ} before any module is
         * imported. Every secret is redacted, whatever its length; one shorter than 6
         * characters also hides that text where it is ordinary, and the pool warns about it
         * at start.
         *
         * @param name the variable's name, as for {@link #env}
         * @param value the secret; its names and values together take at most
         *              {@link PoolConfig#MAX_SECRET_BYTES} UTF-8 bytes
     * @return this builder
         */
        public Builder secret(String name, String value) {
            this.environment.put(name, value);
            this.secretNames.add(name);
            return this;
        }
        /**
         * The workers' working directory (default null: the JVM's).
         *
         * @param dir the directory, or null
     * @return this builder
         */
        public Builder workingDirectory(Path dir) { this.workingDirectory = dir; return this; }
        /**
         * Where the pool creates its private (0700) socket directory (default
         * {@code java.io.tmpdir}).
         *
         * @param dir the parent directory, not null
     * @return this builder
         */
        public Builder socketParent(Path dir) { this.socketParent = dir; return this; }
        /**
         * How many workers the pool starts and keeps (default 2); {@link TaipanPool#resize}
         * changes it later.
         *
         * @param workers 1 to {@link PoolConfig#MAX_WORKERS}
     * @return this builder
         */
        public Builder workers(int workers) { this.workers = workers; return this; }
        /**
         * How many calls one worker runs at once, as async tasks or on threads (default 4).
         *
         * @param slots 1 to 10,000
     * @return this builder
         */
        public Builder slots(int slots) { this.slots = slots; return this; }
        /**
         * How many calls may wait for a free slot (default 1024); one more fails at once with
         * {@link WaitQueueFullException}.
         *
         * @param maxWaiting 0 (no call waits) to 1,000,000
     * @return this builder
         */
        public Builder maxWaiting(int maxWaiting) { this.maxWaiting = maxWaiting; return this; }
        /**
         * The largest frame, in bytes, either side may send (default 64 MiB): bounds a call's
         * arguments and its result.
         *
         * @param maxFrameBytes 1024 to {@link PoolConfig#MAX_FRAME_BYTES}
     * @return this builder
         */
        public Builder maxFrameBytes(int maxFrameBytes) { this.maxFrameBytes = maxFrameBytes; return this; }
        /**
         * Whether {@link TaipanPool#start} returns without waiting for the workers to be ready
         * (default false: it waits, and fails on the first worker that cannot start).
         *
         * @param lazyStart true to start the workers in the background
     * @return this builder
         */
        public Builder lazyStart(boolean lazyStart) { this.lazyStart = lazyStart; return this; }
        /**
         * Zygote (fork from a warm parent) or spawn; default {@link StartMode#defaultMode()}.
         *
         * @param mode the start mode, or null for the default
     * @return this builder
         */
        public Builder startMode(StartMode mode) { this.startMode = mode; return this; }
        /**
         * From which level the workers' Python {@code logging} records and warnings are sent to
         * the JVM and logged through SLF4J (docs/OBSERVABILITY.md, "Logs"); default
         * {@link WorkerLogLevel#INFO}; {@link WorkerLogLevel#OFF} sends none.
         *
         * @param level the lowest level sent, not null
     * @return this builder
         * @throws NullPointerException if {@code level} is null
         */
        public Builder workerLogLevel(WorkerLogLevel level) {
            this.workerLogLevel = java.util.Objects.requireNonNull(level,
                    "workerLogLevel must not be null: use WorkerLogLevel.OFF to send no worker log records");
            return this;
        }
        /**
         * How long a worker may take from launch to ready (default 60 s).
         *
         * @param d 1 ms to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder startTimeout(Duration d) { this.startTimeout = d; return this; }
        /**
         * The default timeout of a call, from submission to result, queueing included (default
         * 60 s); {@link CallOptions} overrides it per call.
         *
         * @param d 1 ms to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder callTimeout(Duration d) { this.callTimeout = d; return this; }
        /**
         * The longest a call waits for a free slot (default 30 s).
         *
         * @param d 1 ms to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder acquireTimeout(Duration d) { this.acquireTimeout = d; return this; }
        /**
         * On close, how long in-flight calls may take to finish before the workers are stopped
         * (default 10 s).
         *
         * @param d 0 to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder drainTimeout(Duration d) { this.drainTimeout = d; return this; }
        /**
         * After SIGTERM, how long a worker may take to exit before it is killed (default 5 s).
         *
         * @param d 0 to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder killTimeout(Duration d) { this.killTimeout = d; return this; }
        /**
         * How long a session with no call in flight may stay unused before the pool closes it
         * (default 30 min).
         *
         * @param d 1 ms to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder sessionIdleTimeout(Duration d) { this.sessionIdleTimeout = d; return this; }
        /**
         * The wait before restarting a worker after a failed start: {@code initial}, doubled
         * with each further consecutive failure up to {@code max} (defaults 100 ms and 10 s).
         *
         * @param initial 0 to {@link PoolConfig#MAX_DURATION}
         * @param max at least {@code initial}, 1 ms to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder restartBackoff(Duration initial, Duration max) {
            this.restartBackoff = initial;
            this.maxRestartBackoff = max;
            return this;
        }
        /**
         * How many consecutive failed worker starts open the circuit (default 5): calls then
         * fail fast with {@link PoolUnavailableException} while no worker is ready.
         *
         * @param n 1 to 10,000
     * @return this builder
         */
        public Builder maxConsecutiveStartFailures(int n) { this.maxConsecutiveStartFailures = n; return this; }
        /**
         * While the circuit is open, how often each missing worker is tried again (default 30 s).
         *
         * @param d 1 ms to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder circuitRetryInterval(Duration d) { this.circuitRetryInterval = d; return this; }
        /**
         * Adds a listener: called more than once, every listener added is told, in the order
         * added (see {@link PoolListener#all}). {@link PoolListener#NONE} removes them all.
         *
         * @param listener the listener to add, not null
     * @return this builder
         * @throws NullPointerException if {@code listener} is null
         */
        public Builder listener(PoolListener listener) {
            Objects.requireNonNull(listener, "listener");
            this.listener = listener == PoolListener.NONE ? PoolListener.NONE : PoolListener.all(this.listener, listener);
            return this;
        }
        /**
         * Traces every call: asked on the caller's thread for the trace context each call
         * carries to its worker, and told how the call ended and what spans the worker handed
         * back (see {@link CallTracer}; {@code taipan-opentelemetry} makes one). Null, the
         * default: no tracing, and no cost.
         *
         * @param tracer the tracer, or null for none
     * @return this builder
         */
        public Builder callTracer(CallTracer tracer) { this.callTracer = tracer; return this; }
        /**
         * Runs the pool's callbacks into your code; see {@link PoolConfig#callbackExecutor()}.
         *
         * @param executor the executor, or null (the default) for the pool's own daemon threads
     * @return this builder
         */
        public Builder callbackExecutor(Executor executor) { this.callbackExecutor = executor; return this; }
        /**
         * Whether a JVM shutdown hook stops the workers if the pool is not closed (default on).
         *
         * @param enabled false to leave the workers to the parent-death signal alone
     * @return this builder
         */
        public Builder shutdownHook(boolean enabled) { this.shutdownHook = enabled; return this; }

        /**
         * Registers a {@link TaipanPoolMXBean} on the platform MBean server when the pool starts,
         * as {@code dev.taipan:type=Pool,name=<name>}, and
         * unregisters it on close (default off). A second running pool of the same name fails
         * to start: give each pool its own {@link #name}.
         *
         * @param enabled true to register the MXBean
     * @return this builder
         */
        public Builder registerMBean(boolean enabled) { this.registerMBean = enabled; return this; }
        /**
         * Heartbeat period (default 5 s); {@code Duration.ZERO} turns liveness checks off.
         * See {@link PoolConfig#heartbeatInterval()}.
         *
         * @param d zero, or 10 ms to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder heartbeatInterval(Duration d) { this.heartbeatInterval = d; return this; }
        /**
         * Recycling: a worker past any limit stops taking calls once a replacement is ready,
         * finishes its calls, and exits; one worker at a time, so capacity never drops.
         * Workers holding open sessions are recycled only after their sessions close.
         * This limit: after this many calls (default 0: never).
         *
         * @param calls the number of calls, not negative
     * @return this builder
         */
        public Builder recycleAfterCalls(long calls) { this.maxCallsPerWorker = calls; return this; }
        /**
         * Recycles a worker after about this long, minus up to 20% jitter so workers do not
         * all go at once (default zero: never). See {@link #recycleAfterCalls}.
         *
         * @param lifetime 0 to {@link PoolConfig#MAX_DURATION}
     * @return this builder
         */
        public Builder recycleAfter(Duration lifetime) { this.maxWorkerLifetime = lifetime; return this; }
        /**
         * Recycles a worker whose resident memory, read from the OS, exceeds this many bytes
         * (default 0: never). See {@link #recycleAfterCalls}.
         *
         * @param bytes the limit in bytes, not negative
     * @return this builder
         */
        public Builder recycleAboveRss(long bytes) { this.maxWorkerRssBytes = bytes; return this; }
        /**
         * Chunks a stream may run ahead of its consumer (default 32); see {@link PoolConfig#streamWindow()}.
         *
         * @param chunks 1 to 65,536
     * @return this builder
         */
        public Builder streamWindow(int chunks) { this.streamWindow = chunks; return this; }
        /**
         * Worker hosts the pool may start workers on (in addition to those already given). With
         * hosts and without {@link #localWorkers(boolean) localWorkers(true)}, every worker runs
         * on a host; each new worker goes to the available place with the fewest of the pool's
         * workers.
         *
         * @param hosts the hosts
         * @return this builder
         */
        public Builder remoteHosts(RemoteHost... hosts) {
            for (RemoteHost h : hosts) {
                this.remoteHosts.add(Objects.requireNonNull(h, "remoteHosts"));
            }
            return this;
        }

        /**
         * Whether workers may run on this machine too, beside the {@link #remoteHosts remote hosts}.
         * Default: true without remote hosts, false with them.
         *
         * @param enabled true to mix local and remote workers
         * @return this builder
         */
        public Builder localWorkers(boolean enabled) { this.localWorkers = enabled; return this; }

        /**
         * Bytes a stream may run ahead of its consumer (default 8 MiB); see {@link PoolConfig#streamWindowBytes()}.
         *
         * @param bytes 1024 to {@link PoolConfig#MAX_FRAME_BYTES}
     * @return this builder
         */
        public Builder streamWindowBytes(int bytes) { this.streamWindowBytes = bytes; return this; }

        // Package-private: PoolProperties sets the two back-offs one at a time.
        Builder restartBackoffInitial(Duration d) { this.restartBackoff = d; return this; }
        Builder restartBackoffMax(Duration d) { this.maxRestartBackoff = d; return this; }

        /**
         * Validates and freezes the configuration.
         *
         * @return the configuration
         * @throws PoolConfigException naming the first bad setting
         */
        public PoolConfig build() {
            if (localWorkers == null) {
                localWorkers = remoteHosts.isEmpty();
            }
            if (name == null) {
                name = "taipan";
            }
            if (startMode == null) {
                startMode = StartMode.defaultMode();
            }
            check(NAME.matcher(name).matches(), "name", "name must be 1-40 characters of [A-Za-z0-9_.-], got '" + name + "'");
            check(invalidPython == null, "python", invalidPython);
            check(python != null, "python", "python must name a Python executable (or be a PythonEnvironment)");
            for (String m : modules) {
                check(m != null && MODULE.matcher(m).matches(), "modules", "modules: '" + m + "' is not a Python module name");
            }
            for (Map.Entry<String, String> e : environment.entrySet()) {
                String setting = "env." + e.getKey();
                check(e.getKey() != null && !e.getKey().isEmpty() && e.getKey().indexOf('=') < 0,
                        setting, "env: invalid variable name '" + e.getKey() + "'");
                check(e.getValue() != null, setting, "env: variable " + e.getKey() + " has a null value");
                check(e.getValue().indexOf('\0') < 0, setting, "env: variable " + e.getKey() + " contains a NUL character");
                check(!e.getKey().startsWith("TAIPAN_"), setting, "env: TAIPAN_* variables are reserved, got " + e.getKey());
            }
            long secretBytes = 0;
            for (String n : secretNames) {
                secretBytes += n.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                        + environment.get(n).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            }
            check(secretBytes <= MAX_SECRET_BYTES, "secrets", "secrets: " + secretBytes + " bytes of names and values, above "
                    + "the " + MAX_SECRET_BYTES + " they may take (they travel to each worker in one frame)");
            check(socketParent != null, "socketParent", "socketParent must not be null");
            range(workers, 1, MAX_WORKERS, "workers");
            range(slots, 1, 10_000, "slots");
            range(maxWaiting, 0, 1_000_000, "maxWaiting");
            range(maxFrameBytes, 1024, MAX_FRAME_BYTES, "maxFrameBytes");
            range(maxConsecutiveStartFailures, 1, 10_000, "maxConsecutiveStartFailures");
            range(streamWindow, 1, 65_536, "streamWindow");
            range(streamWindowBytes, 1024, MAX_FRAME_BYTES, "streamWindowBytes");
            range(maxCallsPerWorker, 0, Long.MAX_VALUE, "recycleAfterCalls");
            range(maxWorkerRssBytes, 0, Long.MAX_VALUE, "recycleAboveRss");
            positive(startTimeout, "startTimeout");
            positive(callTimeout, "callTimeout");
            positive(acquireTimeout, "acquireTimeout");
            notNegative(drainTimeout, "drainTimeout");
            notNegative(killTimeout, "killTimeout");
            positive(sessionIdleTimeout, "sessionIdleTimeout");
            notNegative(restartBackoff, "restartBackoff");
            positive(maxRestartBackoff, "maxRestartBackoff");
            check(maxRestartBackoff.compareTo(restartBackoff) >= 0, "maxRestartBackoff",
                    "maxRestartBackoff must be >= restartBackoff (" + restartBackoff + "), got " + maxRestartBackoff);
            positive(circuitRetryInterval, "circuitRetryInterval");
            check(heartbeatInterval != null && (heartbeatInterval.isZero() || within(heartbeatInterval,
                    Duration.ofMillis(10))), "heartbeatInterval", "heartbeatInterval must be zero (off) or between 10 ms and "
                    + MAX_DURATION + ", got " + heartbeatInterval);
            notNegative(maxWorkerLifetime, "recycleAfter");
            Objects.requireNonNull(listener, "listener");
            check(localWorkers || !remoteHosts.isEmpty(), "localWorkers",
                    "localWorkers cannot be false without remoteHosts: the pool would have nowhere to start workers");
            check(remoteHosts.stream().distinct().count() == remoteHosts.size()
                    && remoteHosts.stream().map(RemoteHost::toString).distinct().count() == remoteHosts.size(),
                    "remoteHosts", "remoteHosts: a host is given twice (" + remoteHosts + ")");
            for (RemoteHost h : remoteHosts) {
                check(heartbeatInterval.isZero() || h.lease().compareTo(heartbeatInterval.multipliedBy(2)) >= 0,
                        "remoteHosts", "remoteHosts: the lease of " + h + " (" + h.lease() + ") must be at least twice "
                        + "the heartbeatInterval (" + heartbeatInterval + "), or the host would end workers that are fine");
            }
            return new PoolConfig(this);
        }

        /**
         * {@code message} starts with the setting's name (the builder's wording); the exception
         * keeps the rest apart so {@link PoolConfig#from(Map)} can name its property instead.
         */
        private static void check(boolean ok, String setting, String message) {
            if (!ok) {
                String detail = message;
                String head = setting.startsWith("env.") ? "env" : setting;
                if (detail.startsWith(head)) {
                    detail = detail.substring(head.length()).replaceFirst("^:?\\s*", "");
                }
                throw new PoolConfigException(setting, "PoolConfig: " + message, detail);
            }
        }

        private static void range(long value, long min, long max, String name) {
            check(value >= min && value <= max, name, name + " must be between " + min + " and " + max + ", got " + value);
        }

        private static boolean within(Duration d, Duration min) {
            return d.compareTo(min) >= 0 && d.compareTo(MAX_DURATION) <= 0;
        }

        private static void positive(Duration d, String name) {
            check(d != null && within(d, MIN_DURATION), name, name + " must be between 1 ms and " + MAX_DURATION
                    + ", got " + d);
        }

        private static void notNegative(Duration d, String name) {
            check(d != null && within(d, Duration.ZERO), name, name + " must be between 0 and " + MAX_DURATION
                    + ", got " + d);
        }
    }
}
