package dev.taipan;

/**
 * Tracing's hook into the pool, with no tracing library behind it: taipan-core knows nothing
 * of OpenTelemetry ({@code taipan-opentelemetry} implements this). Set one with
 * {@link PoolConfig.Builder#callTracer}; unset, the pool does no tracing work at all.
 *
 * <p>The pool calls {@link #start} on the caller's own thread when a call is submitted (so an
 * implementation can read the caller's current context, e.g. a thread-local span), before the
 * call is encoded: the {@link TracedCall}'s headers travel in the call's frame, once, however
 * often the call is sent. Its {@link TracedCall#end} is called exactly once, when the call ends
 * however it ends. Both must be quick and must not throw: what they throw is logged and
 * ignored, and the call goes on untraced.
 */
@FunctionalInterface
public interface CallTracer {
    /**
     * A call to {@code function} is being submitted (in {@code session}, or null).
     *
     * @param function the function called, as the caller named it
     * @param session  the session's id, or null for a call outside a session
     * @return the call's trace, or null to send this call without trace context
     */
    TracedCall start(String function, String session);
}
