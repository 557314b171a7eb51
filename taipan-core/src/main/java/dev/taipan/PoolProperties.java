package dev.taipan;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code taipan.pool.*} properties to a {@link PoolConfig}: one table of options (property,
 * builder option, how the text parses), then {@link PoolConfig.Builder#build()}, whose checks
 * are the only ones, with their errors renamed to the property. Parsing here only turns text
 * into the builder's types.
 */
final class PoolProperties {
    static final String PREFIX = "taipan.pool.";
    /** {@code taipan.pool.env.NAME=value}: a plain variable for the workers. */
    static final String ENV = PREFIX + "env.";
    /**
     * {@code taipan.pool.secret-from-env.NAME=HOST_VARIABLE}: the workers' secret {@code NAME}
     * takes the value of this JVM's environment variable {@code HOST_VARIABLE}, so the value is
     * never written in a file.
     */
    static final String SECRET_FROM_ENV = PREFIX + "secret-from-env.";

    /** {@code taipan.pool.remote-hosts=address:port,...}: the worker hosts ({@link RemoteHost}). */
    static final String REMOTE_HOSTS = PREFIX + "remote-hosts";
    static final String PLAIN_TCP = REMOTE_HOSTS + ".plain-tcp";
    static final String LEASE = REMOTE_HOSTS + ".lease";
    /** {@code taipan.pool.tls.*}: the pool's side of TLS to the remote hosts ({@link TlsConfig}). */
    static final String TLS = PREFIX + "tls.";

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ns|us|ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|KiB|MiB|GiB)?", Pattern.CASE_INSENSITIVE);

    private enum Kind {
        STRING("a string"), INT("an integer"), LONG("an integer"), BOOLEAN("true or false"),
        DURATION("a duration: 500ms, 30s, 5m, 1h, 2d or ISO-8601 such as PT1M"),
        SIZE("a byte size: 1048576, 512KB, 16MB, 1GB (1 KB = 1024 bytes)"),
        INT_SIZE("a byte size: 1048576, 512KB, 16MB, 1GB (1 KB = 1024 bytes)"),
        LIST("a comma-separated list"), PATHS("a comma-separated list of paths"), PATH("a path"),
        START_MODE("zygote or spawn");

        final String expected;

        Kind(String expected) {
            this.expected = expected;
        }
    }

    private record Option(String property, String setting, Kind kind, BiConsumer<PoolConfig.Builder, Object> apply) {
    }

    private static final Map<String, Option> OPTIONS = new LinkedHashMap<>();
    /** Builder option -> property, to rename the builder's errors. */
    private static final Map<String, String> PROPERTY_OF = new LinkedHashMap<>();
    /** The remote-host and TLS properties, parsed like the others but applied together. */
    private static final Map<String, Option> HOST_OPTIONS = new LinkedHashMap<>();
    /** TlsConfig's setting -> property, to rename its builder's errors. */
    private static final Map<String, String> TLS_PROPERTY_OF = new LinkedHashMap<>();

    static {
        add("name", "name", Kind.STRING, (b, v) -> b.name((String) v));
        add("python", "python", Kind.STRING, (b, v) -> b.python((String) v));
        add("modules", "modules", Kind.LIST, (b, v) -> b.modules(strings(v)));
        add("python-path", "pythonPath", Kind.PATHS, (b, v) -> b.pythonPath(paths(v).toArray(Path[]::new)));
        add("working-directory", "workingDirectory", Kind.PATH, (b, v) -> b.workingDirectory((Path) v));
        add("socket-parent", "socketParent", Kind.PATH, (b, v) -> b.socketParent((Path) v));
        add("workers", "workers", Kind.INT, (b, v) -> b.workers((Integer) v));
        add("slots", "slots", Kind.INT, (b, v) -> b.slots((Integer) v));
        add("max-waiting", "maxWaiting", Kind.INT, (b, v) -> b.maxWaiting((Integer) v));
        add("max-frame-bytes", "maxFrameBytes", Kind.INT_SIZE, (b, v) -> b.maxFrameBytes((Integer) v));
        add("lazy-start", "lazyStart", Kind.BOOLEAN, (b, v) -> b.lazyStart((Boolean) v));
        add("start-mode", "startMode", Kind.START_MODE, (b, v) -> b.startMode((StartMode) v));
        add("start-timeout", "startTimeout", Kind.DURATION, (b, v) -> b.startTimeout((Duration) v));
        add("call-timeout", "callTimeout", Kind.DURATION, (b, v) -> b.callTimeout((Duration) v));
        add("acquire-timeout", "acquireTimeout", Kind.DURATION, (b, v) -> b.acquireTimeout((Duration) v));
        add("drain-timeout", "drainTimeout", Kind.DURATION, (b, v) -> b.drainTimeout((Duration) v));
        add("kill-timeout", "killTimeout", Kind.DURATION, (b, v) -> b.killTimeout((Duration) v));
        add("session-idle-timeout", "sessionIdleTimeout", Kind.DURATION, (b, v) -> b.sessionIdleTimeout((Duration) v));
        add("restart-backoff", "restartBackoff", Kind.DURATION, (b, v) -> b.restartBackoffInitial((Duration) v));
        add("max-restart-backoff", "maxRestartBackoff", Kind.DURATION, (b, v) -> b.restartBackoffMax((Duration) v));
        add("max-consecutive-start-failures", "maxConsecutiveStartFailures", Kind.INT,
                (b, v) -> b.maxConsecutiveStartFailures((Integer) v));
        add("circuit-retry-interval", "circuitRetryInterval", Kind.DURATION, (b, v) -> b.circuitRetryInterval((Duration) v));
        add("shutdown-hook", "shutdownHook", Kind.BOOLEAN, (b, v) -> b.shutdownHook((Boolean) v));
        add("heartbeat-interval", "heartbeatInterval", Kind.DURATION, (b, v) -> b.heartbeatInterval((Duration) v));
        add("recycle-after-calls", "recycleAfterCalls", Kind.LONG, (b, v) -> b.recycleAfterCalls((Long) v));
        add("recycle-after", "recycleAfter", Kind.DURATION, (b, v) -> b.recycleAfter((Duration) v));
        add("recycle-above-rss", "recycleAboveRss", Kind.SIZE, (b, v) -> b.recycleAboveRss((Long) v));
        add("stream-window", "streamWindow", Kind.INT, (b, v) -> b.streamWindow((Integer) v));
        add("stream-window-bytes", "streamWindowBytes", Kind.INT_SIZE, (b, v) -> b.streamWindowBytes((Integer) v));
        add("local-workers", "localWorkers", Kind.BOOLEAN, (b, v) -> b.localWorkers((Boolean) v));
        // The remote hosts and their TLS: read together after the loop, since one RemoteHost
        // needs several properties. Their apply is unused.
        hostOption(REMOTE_HOSTS, "remoteHosts", Kind.LIST);
        PROPERTY_OF.put("remoteHosts", REMOTE_HOSTS);
        hostOption(PLAIN_TCP, "plainTcp", Kind.BOOLEAN);
        hostOption(LEASE, "lease", Kind.DURATION);
        hostOption(TLS + "certificate-chain", "certificateChain", Kind.PATH);
        hostOption(TLS + "private-key", "privateKey", Kind.PATH);
        hostOption(TLS + "trusted-certificates", "trustedCertificates", Kind.PATH);
        hostOption(TLS + "peer-name", "peerName", Kind.STRING);
        hostOption(TLS + "handshake-timeout", "handshakeTimeout", Kind.DURATION);
    }

    private PoolProperties() {
    }

    private static void add(String suffix, String setting, Kind kind, BiConsumer<PoolConfig.Builder, Object> apply) {
        Option o = new Option(PREFIX + suffix, setting, kind, apply);
        OPTIONS.put(o.property(), o);
        PROPERTY_OF.put(setting, o.property());
    }

    private static void hostOption(String property, String setting, Kind kind) {
        HOST_OPTIONS.put(property, new Option(property, setting, kind, (b, v) -> { }));
        if (property.startsWith(TLS)) {
            TLS_PROPERTY_OF.put(setting, property);
        }
    }

    /** Every property name, in the order of the docs' table; the two families end in {@code NAME}. */
    static List<String> names() {
        List<String> names = new ArrayList<>(OPTIONS.keySet());
        names.addAll(HOST_OPTIONS.keySet());
        names.add(ENV + "NAME");
        names.add(SECRET_FROM_ENV + "NAME");
        return names;
    }

    static PoolConfig parse(Map<String, ?> properties, Function<String, String> environment) {
        Objects.requireNonNull(properties, "properties");
        PoolConfig.Builder b = PoolConfig.builder();
        // Sorted: the first bad key reported is the same on every run, whatever the map's order.
        Map<String, Object> sorted = new TreeMap<>();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            if (e.getKey() != null && e.getKey().startsWith(PREFIX)) {
                sorted.put(e.getKey(), e.getValue());
            }
        }
        Map<String, Object> hostValues = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : sorted.entrySet()) {
            String key = e.getKey();
            Object raw = e.getValue();
            Option hostOption = HOST_OPTIONS.get(key);
            if (hostOption != null) {
                hostValues.put(key, value(hostOption, raw));
            } else if (key.startsWith(ENV)) {
                String name = variable(key, ENV);
                b.env(name, text(key, raw));
            } else if (key.startsWith(SECRET_FROM_ENV)) {
                String name = variable(key, SECRET_FROM_ENV);
                String hostVariable = text(key, raw).trim();
                if (hostVariable.isEmpty()) {
                    throw error(key, "must name an environment variable of this JVM that holds the secret's value");
                }
                String value = environment.apply(hostVariable);
                if (value == null) {
                    // Names only: the variable is missing, there is no value to leak.
                    throw error(key, "environment variable " + hostVariable + " is not set;"
                            + " set it, or remove the property");
                }
                b.secret(name, value);
            } else {
                Option o = OPTIONS.get(key);
                if (o == null) {
                    throw error(key, "unknown property; the valid ones are " + String.join(", ", names()));
                }
                o.apply().accept(b, value(o, raw));
            }
        }
        b.remoteHosts(remoteHosts(hostValues).toArray(RemoteHost[]::new));
        try {
            return b.build();
        } catch (PoolConfigException e) {
            String property = propertyOf(e.setting());
            throw new PoolConfigException(property, property + ": " + e.detail(), e.detail());
        }
    }

    /**
     * The hosts of {@code taipan.pool.remote-hosts}, all over the one TLS config of
     * {@code taipan.pool.tls.*} or, asked for by name, over plain TCP on loopback.
     */
    private static List<RemoteHost> remoteHosts(Map<String, Object> values) {
        boolean anyTls = values.keySet().stream().anyMatch(k -> k.startsWith(TLS));
        if (!values.containsKey(REMOTE_HOSTS)) {
            // Settings for hosts that are not there: a typo or a forgotten line, said now.
            if (!values.isEmpty()) {
                throw error(values.keySet().iterator().next(), "applies to " + REMOTE_HOSTS + ", which is not set");
            }
            return List.of();
        }
        List<String> entries = strings(values.get(REMOTE_HOSTS));
        if (entries.isEmpty()) {
            throw error(REMOTE_HOSTS, "expected a comma-separated list of address:port, got none");
        }
        boolean plainTcp = Boolean.TRUE.equals(values.get(PLAIN_TCP));
        if (plainTcp && anyTls) {
            throw error(PLAIN_TCP, "asks for plain TCP, but " + TLS + "* settings are set too; keep one of them");
        }
        if (!plainTcp && !anyTls) {
            throw error(REMOTE_HOSTS, "needs TLS settings: set " + TLS + "certificate-chain, " + TLS + "private-key and "
                    + TLS + "trusted-certificates (see docs/TLS.md), or " + PLAIN_TCP
                    + "=true for hosts on a loopback address");
        }
        TlsConfig tls = plainTcp ? null : tlsConfig(values);
        Duration lease = (Duration) values.get(LEASE);
        List<RemoteHost> hosts = new ArrayList<>();
        for (String entry : entries) {
            RemoteHost host = host(entry, tls);
            if (lease != null) {
                try {
                    host = host.lease(lease);
                } catch (IllegalArgumentException e) {
                    throw error(LEASE, e.getMessage().replaceFirst("^RemoteHost: ", ""));
                }
            }
            hosts.add(host);
        }
        return hosts;
    }

    private static RemoteHost host(String entry, TlsConfig tls) {
        String address;
        String port;
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            if (close < 0 || close + 1 >= entry.length() || entry.charAt(close + 1) != ':') {
                throw badEntry(entry, "expected [IPv6-address]:port");
            }
            address = entry.substring(1, close);
            port = entry.substring(close + 2);
        } else {
            int colon = entry.lastIndexOf(':');
            if (colon < 0) {
                throw badEntry(entry, "expected address:port");
            }
            address = entry.substring(0, colon);
            port = entry.substring(colon + 1);
            if (address.indexOf(':') >= 0) {
                throw badEntry(entry, "an IPv6 address goes in brackets, e.g. [::1]:7300");
            }
        }
        int n;
        try {
            n = Integer.parseInt(port.trim());
        } catch (NumberFormatException e) {
            throw badEntry(entry, "the port must be a number from 1 to 65535, got '" + port + "'");
        }
        try {
            return tls == null ? RemoteHost.plainTcpOnLoopback(address.trim(), n) : RemoteHost.tls(address.trim(), n, tls);
        } catch (IllegalArgumentException e) {
            throw badEntry(entry, e.getMessage().replaceFirst("^RemoteHost: ", ""));
        }
    }

    private static PoolConfigException badEntry(String entry, String detail) {
        return error(REMOTE_HOSTS, "entry '" + entry + "': " + detail);
    }

    private static TlsConfig tlsConfig(Map<String, Object> values) {
        try {
            TlsConfig.Builder t = TlsConfig.builder();
            Object chain = values.get(TLS + "certificate-chain");
            Object key = values.get(TLS + "private-key");
            Object trusted = values.get(TLS + "trusted-certificates");
            Object peer = values.get(TLS + "peer-name");
            Object timeout = values.get(TLS + "handshake-timeout");
            if (chain != null) {
                t.certificateChain((Path) chain);
            }
            if (key != null) {
                t.privateKey((Path) key);
            }
            if (trusted != null) {
                t.trustedCertificates((Path) trusted);
            }
            if (peer != null) {
                t.peerName((String) peer);
            }
            if (timeout != null) {
                t.handshakeTimeout((Duration) timeout);
            }
            return t.build();
        } catch (PoolConfigException e) {
            // TlsConfig names its setting (certificateChain); the user wrote the property.
            String property = TLS_PROPERTY_OF.getOrDefault(e.setting(), TLS + e.setting());
            throw error(property, e.detail());
        }
    }

    private static String propertyOf(String setting) {
        if (setting.startsWith("env.")) {
            return ENV + setting.substring("env.".length());
        }
        if (setting.equals("secrets")) {
            return SECRET_FROM_ENV + "*";
        }
        return PROPERTY_OF.getOrDefault(setting, PREFIX + setting);
    }

    private static String variable(String key, String family) {
        String name = key.substring(family.length());
        if (name.isEmpty()) {
            throw error(key, "needs a variable name after '" + family + "', e.g. " + family + "MY_VARIABLE");
        }
        return name;
    }

    private static PoolConfigException error(String property, String detail) {
        return new PoolConfigException(property, property + ": " + detail, detail);
    }

    private static String text(String key, Object raw) {
        if (raw == null) {
            throw error(key, "has no value");
        }
        return raw.toString();
    }

    /** The option's value: text parsed, or a value already of the option's type taken as it is. */
    private static Object value(Option o, Object raw) {
        String key = o.property();
        if (raw == null) {
            throw error(key, "has no value; expected " + o.kind().expected);
        }
        if (o.kind() == Kind.INT_SIZE) {
            long n = raw instanceof String text ? sizeOf(key, o.kind(), text.trim()) : raw instanceof Number x
                    && !(raw instanceof Double) && !(raw instanceof Float) ? x.longValue() : -1;
            if (n < 0 && !(raw instanceof String)) {
                throw error(key, "expected " + o.kind().expected + ", got a " + raw.getClass().getSimpleName());
            }
            if (n > PoolConfig.MAX_FRAME_BYTES) {
                // Beyond an int: the builder could not even be asked; its limit, said here.
                throw error(key, "must be at most " + PoolConfig.MAX_FRAME_BYTES + " (1GB), got " + n);
            }
            return (int) n;
        }
        if (!(raw instanceof String)) {
            Object typed = typed(o.kind(), raw);
            if (typed == null) {
                throw error(key, "expected " + o.kind().expected + ", got a " + raw.getClass().getSimpleName());
            }
            return typed;
        }
        String s = ((String) raw).trim();
        try {
            switch (o.kind()) {
                case STRING:
                    return s;
                case INT:
                    return Integer.parseInt(s);
                case LONG:
                    return Long.parseLong(s);
                case BOOLEAN:
                    if (s.equalsIgnoreCase("true")) {
                        return true;
                    }
                    if (s.equalsIgnoreCase("false")) {
                        return false;
                    }
                    throw new IllegalArgumentException();
                case DURATION:
                    return duration(s);
                case SIZE:
                    return size(s);
                case LIST:
                    return list(s);
                case PATHS:
                    return list(s).stream().map(Path::of).toList();
                case PATH:
                    if (s.isEmpty()) {
                        throw new IllegalArgumentException();
                    }
                    return Path.of(s);
                case START_MODE:
                    return StartMode.valueOf(s.toUpperCase(Locale.ROOT));
                default:
                    throw new AssertionError(o.kind());
            }
        } catch (IllegalArgumentException | DateTimeParseException | ArithmeticException e) {
            throw error(key, "expected " + o.kind().expected + ", got '" + s + "'");
        }
    }

    private static Object typed(Kind kind, Object raw) {
        switch (kind) {
            case INT:
                return raw instanceof Integer ? raw : null;
            case LONG:
            case SIZE:
                return raw instanceof Integer || raw instanceof Long ? ((Number) raw).longValue() : null;
            case BOOLEAN:
                return raw instanceof Boolean ? raw : null;
            case DURATION:
                return raw instanceof Duration ? raw : null;
            case PATH:
                return raw instanceof Path ? raw : null;
            case START_MODE:
                return raw instanceof StartMode ? raw : null;
            case LIST:
            case PATHS:
                return raw instanceof List<?> l ? l.stream().map(String::valueOf).toList() : null;
            default:
                return null;
        }
    }

    static Duration duration(String s) {
        if (s.startsWith("P") || s.startsWith("p") || s.startsWith("-P")) {
            return Duration.parse(s);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException(s);
        }
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "ns": return Duration.ofNanos(n);
            case "us": return Duration.ofNanos(Math.multiplyExact(n, 1000L));
            case "ms": return Duration.ofMillis(n);
            case "s": return Duration.ofSeconds(n);
            case "m": return Duration.ofMinutes(n);
            case "h": return Duration.ofHours(n);
            default: return Duration.ofDays(n);
        }
    }

    static long size(String s) {
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException(s);
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT).replace("I", "");
        switch (unit) {
            case "KB": return Math.multiplyExact(n, 1024L);
            case "MB": return Math.multiplyExact(n, 1024L * 1024);
            case "GB": return Math.multiplyExact(n, 1024L * 1024 * 1024);
            default: return n;
        }
    }

    private static List<String> list(String s) {
        List<String> items = new ArrayList<>();
        for (String part : s.split(",")) {
            if (!part.isBlank()) {
                items.add(part.trim());
            }
        }
        return items;
    }

    private static long sizeOf(String key, Kind kind, String s) {
        try {
            return size(s);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw error(key, "expected " + kind.expected + ", got '" + s + "'");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object v) {
        return (List<String>) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Path> paths(Object v) {
        List<?> items = (List<?>) v;
        List<Path> out = new ArrayList<>();
        for (Object item : items) {
            out.add(item instanceof Path p ? p : Path.of(item.toString()));
        }
        return out;
    }
}
