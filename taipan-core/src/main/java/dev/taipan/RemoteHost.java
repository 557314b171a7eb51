package dev.taipan;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * A worker host a pool may start workers on: a {@code python -m taipan_worker.host} process on
 * another machine (or on this one), reached over TCP. The host decides what may run there (its
 * allow-list of modules and its limits); the pool asks for workers with its own modules and
 * slots, and a request the host refuses fails that worker's start with the host's reason.
 *
 * <p>Immutable. Made with {@link #tls(String, int, TlsConfig)} or
 * {@link #plainTcpOnLoopback(String, int)}: TLS is the only way to reach a host that is not on a
 * loopback address, and plain TCP has to be asked for by name.
 *
 * <p>The lease: the host ends this pool's workers when it has heard nothing from the pool for
 * {@link #lease()} (the pool sends heartbeats on the control connection well within it), so a
 * JVM that dies or is partitioned away leaves no workers behind.
 */
public final class RemoteHost {
    /** The default lease: long enough for a loaded machine's pauses, short enough to free a host soon. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(10);
    /** The shortest lease a host grants. */
    public static final Duration MIN_LEASE = Duration.ofMillis(500);

    private final String address;
    private final int port;
    private final Duration lease;
    private final TlsConfig tls;

    private RemoteHost(String address, int port, Duration lease, TlsConfig tls) {
        this.address = address;
        this.port = port;
        this.lease = lease;
        this.tls = tls;
    }

    /**
     * A host reached over TLS 1.3 with mutual authentication: the pool presents the config's
     * certificate, and checks the host's against the config's trusted CAs and its name (the
     * config's peer name, else {@code address}). The control connection and every worker's
     * connection use it.
     *
     * @param address the host's DNS name or IP address
     * @param port    the host's control port, 1 to 65535
     * @param tls     the pool's side of the TLS connection
     * @return the host
     * @throws IllegalArgumentException if the port is out of range or the address is empty
     */
    public static RemoteHost tls(String address, int port, TlsConfig tls) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(tls, "tls");
        if (address.isBlank()) {
            throw new IllegalArgumentException("RemoteHost: the address must not be empty");
        }
        checkPort(port);
        return new RemoteHost(address, port, DEFAULT_LEASE, tls);
    }

    private static void checkPort(int port) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("RemoteHost: port must be between 1 and 65535, got " + port);
        }
    }

    /**
     * A host reached over plain TCP, which is allowed only on a loopback address (tests, a host
     * beside the JVM): nothing on the wire is encrypted, the workers' secrets included.
     *
     * @param address a name or address that resolves to a loopback address ({@code 127.0.0.1}, {@code ::1}, {@code localhost})
     * @param port    the host's control port, 1 to 65535
     * @return the host
     * @throws IllegalArgumentException if the port is out of range, or the address does not
     *                                  resolve, or resolves to an address that is not loopback
     */
    public static RemoteHost plainTcpOnLoopback(String address, int port) {
        Objects.requireNonNull(address, "address");
        checkPort(port);
        InetAddress[] resolved;
        try {
            resolved = InetAddress.getAllByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("RemoteHost: cannot resolve " + address + ": " + e.getMessage(), e);
        }
        for (InetAddress a : resolved) {
            if (!a.isLoopbackAddress()) {
                throw new IllegalArgumentException("RemoteHost: plain TCP is allowed only on loopback, and "
                        + address + " resolves to " + a.getHostAddress() + "; reach other hosts over TLS");
            }
        }
        return new RemoteHost(address, port, DEFAULT_LEASE, null);
    }

    /**
     * {@return a copy with another lease} The host ends this pool's workers once it has heard
     * nothing from the pool for that long (the host may grant less, never more, than asked).
     *
     * @param lease between {@link #MIN_LEASE} and {@link PoolConfig#MAX_DURATION}
     * @throws IllegalArgumentException if the lease is out of range
     */
    public RemoteHost lease(Duration lease) {
        Objects.requireNonNull(lease, "lease");
        if (lease.compareTo(MIN_LEASE) < 0 || lease.compareTo(PoolConfig.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("RemoteHost: lease must be between " + MIN_LEASE + " and "
                    + PoolConfig.MAX_DURATION + ", got " + lease);
        }
        return new RemoteHost(address, port, lease, tls);
    }

    /** {@return the host's name or address, as given} */
    public String address() {
        return address;
    }

    /** {@return the host's control port} */
    public int port() {
        return port;
    }

    /** {@return the lease the pool asks for} */
    public Duration lease() {
        return lease;
    }

    /** {@return whether the connections are plain TCP (loopback only)} */
    public boolean plainTcp() {
        return tls == null;
    }

    /** {@return the TLS settings, empty for plain TCP} */
    public java.util.Optional<TlsConfig> tlsConfig() {
        return java.util.Optional.ofNullable(tls);
    }

    /** {@return {@code address:port}, the host's name in logs, errors and {@link WorkerInfo#host()}} */
    @Override
    public String toString() {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RemoteHost h && h.address.equals(address) && h.port == port && h.lease.equals(lease)
                && Objects.equals(h.tls, tls);
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, port, lease);
    }
}
