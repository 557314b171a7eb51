package dev.taipan;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Per-call settings: a timeout, a consumer for streamed chunks, and Java functions Python
 * may call back during the call. Immutable; {@link #DEFAULT} uses the pool's defaults.
 */
public final class CallOptions {
    /** No per-call settings: the pool's timeout, no chunk consumer, no callbacks, not idempotent. */
    public static final CallOptions DEFAULT = new CallOptions(null, null, Map.of(), false);

    private final Duration timeout;
    private final Consumer<Object> onChunk;
    private final Map<String, JavaCallback> callbacks;
    private final boolean idempotent;

    private CallOptions(Duration timeout, Consumer<Object> onChunk, Map<String, JavaCallback> callbacks,
                        boolean idempotent) {
        this.timeout = timeout;
        this.onChunk = onChunk;
        this.callbacks = callbacks;
        this.idempotent = idempotent;
    }

    /**
     * A call that must finish within {@code timeout} (1 ms to {@link PoolConfig#MAX_DURATION}),
     * queueing and the chunk consumer included.
     *
     * @param timeout 1 ms to {@link PoolConfig#MAX_DURATION}
     * @return the options
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is out of range
     */
    public static CallOptions timeout(Duration timeout) {
        return DEFAULT.withTimeout(timeout);
    }

    /**
     * A copy with this timeout, queueing and the chunk consumer included.
     *
     * @param timeout 1 ms to {@link PoolConfig#MAX_DURATION}
     * @return the new options
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is out of range
     */
    public CallOptions withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.compareTo(PoolConfig.MIN_DURATION) < 0 || timeout.compareTo(PoolConfig.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("CallOptions: timeout must be between 1 ms and "
                    + PoolConfig.MAX_DURATION + ", got " + timeout);
        }
        return new CallOptions(timeout, onChunk, callbacks, idempotent);
    }

    /**
     * Marks the call safe to run twice. If its worker dies or stops answering, the pool
     * runs it again on another worker (at most twice, within the call's own timeout) instead
     * of failing it. Other calls are never retried: they may have run already.
     *
     * @param idempotent true if the call is safe to run twice
     * @return a copy with that mark
     */
    public CallOptions withIdempotent(boolean idempotent) {
        return new CallOptions(timeout, onChunk, callbacks, idempotent);
    }

    /** {@return whether the call may be run again on another worker if its worker is lost} */
    public boolean idempotent() {
        return idempotent;
    }

    /**
     * Receives each chunk a generator function yields, in order, one at a time, on the
     * pool's callback executor. The call's result comes after the last chunk was delivered.
     * A consumer that throws ends the call with {@link ChunkConsumerException}.
     *
     * @param consumer the consumer, not null
     * @return a copy with that consumer (it replaces any earlier one)
     * @throws NullPointerException if {@code consumer} is null
     */
    public CallOptions withChunkConsumer(Consumer<Object> consumer) {
        return new CallOptions(timeout, Objects.requireNonNull(consumer, "consumer"), callbacks, idempotent);
    }

    /**
     * Lets Python call {@code function} under {@code name} during this call.
     *
     * @param name     the name Python calls it by ({@code call_java(name, ...)})
     * @param function the Java function
     * @return a copy with that callback added (replacing one of the same name)
     * @throws NullPointerException if {@code name} or {@code function} is null
     */
    public CallOptions withCallback(String name, JavaCallback function) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(function, "function");
        Map<String, JavaCallback> m = new LinkedHashMap<>(callbacks);
        m.put(name, function);
        return new CallOptions(timeout, onChunk, Map.copyOf(m), idempotent);
    }

    /** {@return the timeout, or null for the pool's {@link PoolConfig#callTimeout()}} */
    public Duration timeoutOrNull() {
        return timeout;
    }

    /** {@return the consumer of the call's streamed chunks, or null for a call that does not stream} */
    public Consumer<Object> chunkConsumerOrNull() {
        return onChunk;
    }

    /** {@return the Java functions Python may call back during the call, by name; unmodifiable} */
    public Map<String, JavaCallback> callbacks() {
        return callbacks;
    }

    @Override
    public String toString() {
        return "CallOptions{timeout=" + timeout + ", streaming=" + (onChunk != null) + ", callbacks="
                + callbacks.keySet() + ", idempotent=" + idempotent + "}";
    }
}
