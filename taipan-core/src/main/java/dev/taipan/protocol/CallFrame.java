package dev.taipan.protocol;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Iterator;
import java.util.Map;

/**
 * A call's frame, encoded once, sent any number of times, each time carrying the time left
 * of the call's one deadline. A call is encoded when it is submitted but may be sent later
 * (after waiting for a slot) or again (an idempotent call re-run after its worker died, a
 * call a draining worker refused); a {@code timeout_ms} fixed at submit would give each
 * attempt the whole timeout again.
 *
 * <p>So {@code timeout_ms} is the message's last field, written as a uint64 of fixed width
 * (marker {@code 0xcf} and 8 bytes; MessagePack allows an int wider than it needs): the
 * timeout is always the frame's last 8 bytes, and a send rewrites just those.
 */
public final class CallFrame {
    static final String TIMEOUT_KEY = "timeout_ms";
    private static final int TIMEOUT_BYTES = 8;
    private static final VarHandle HANDED_OUT;

    static {
        try {
            HANDED_OUT = MethodHandles.lookup().findVarHandle(CallFrame.class, "handedOut", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final byte[] frame;
    /** Whether {@link #frame} itself went out: from then on it is never written again. */
    @SuppressWarnings("unused") // through HANDED_OUT
    private volatile boolean handedOut;

    private CallFrame(byte[] frame) {
        this.frame = frame;
    }

    /**
     * Encodes a call built by {@link Messages#call}: its last field must be {@code timeout_ms},
     * a non-negative Long. Fails like {@link FrameCodec#encode(Map, int, ValueConverter)}, with
     * the fixed-width timeout counted in the frame's size.
     *
     * @param converter asked about objects outside the value domain (records, POJOs); null:
     *                  they are refused, as {@link FrameCodec#encode(Map, int)} refuses them
     */
    public static CallFrame encode(Map<String, ?> call, int maxFrameBytes, ValueConverter converter) {
        if (!Messages.CALL.equals(call.get("type")) || !TIMEOUT_KEY.equals(lastKey(call))) {
            throw new IllegalArgumentException("not a call message with timeout_ms as its last field: "
                    + call.keySet());
        }
        return new CallFrame(FrameCodec.encode(call, maxFrameBytes, converter, true));
    }

    private static String lastKey(Map<String, ?> m) {
        String last = null;
        for (Iterator<String> it = m.keySet().iterator(); it.hasNext(); ) {
            last = it.next();
        }
        return last;
    }

    /**
     * The frame with {@code timeout_ms} set to {@code millisLeft}. The first use rewrites
     * the frame in place and hands it out (no copy for a call sent once); every later one
     * returns a copy, since an array handed out earlier may still be waiting in a
     * connection's outbox.
     */
    public byte[] bytesWithTimeout(long millisLeft) {
        if (millisLeft < 0) {
            throw new IllegalArgumentException("timeout_ms must not be negative: " + millisLeft);
        }
        byte[] out = HANDED_OUT.compareAndSet(this, false, true) ? frame : frame.clone();
        Values.putLong(out, out.length - TIMEOUT_BYTES, millisLeft);
        return out;
    }

    /** The frame's size in bytes, header included; the same for every timeout. */
    public int length() {
        return frame.length;
    }
}
