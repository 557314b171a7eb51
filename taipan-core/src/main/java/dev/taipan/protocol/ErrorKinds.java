package dev.taipan.protocol;

import java.util.List;

/**
 * The {@code kind} of an {@code error} frame: every value a worker sends, named once on this
 * side (the worker names the same ones in {@code taipan_worker/errors.py}). docs/PROTOCOL.md
 * ("Error kinds") says when each is sent and what the pool raises for it; a test holds the
 * constants, that table and the golden vectors to one set, so a kind cannot be added in one
 * place only.
 */
public final class ErrorKinds {
    /** The function raised. */
    public static final String EXCEPTION = "exception";
    /** {@code function} is not registered; the message lists the available names. */
    public static final String UNKNOWN_FUNCTION = "unknown_function";
    /** The arguments do not fit the function (wrong names, missing session, ...). */
    public static final String BAD_ARGUMENTS = "bad_arguments";
    /** {@code timeout_ms} elapsed before the function finished. */
    public static final String DEADLINE_EXCEEDED = "deadline_exceeded";
    /** The host sent {@code cancel} for the call. */
    public static final String CANCELLED = "cancelled";
    /** The return value (or a chunk) is outside the value domain. */
    public static final String UNSERIALIZABLE_RESULT = "unserializable_result";
    /** The call's frame holds a value outside the value domain; only that call fails. */
    public static final String BAD_VALUE = "bad_value";
    /** The encoded result (or a chunk) exceeds the maximum frame size. */
    public static final String FRAME_TOO_LARGE = "frame_too_large";
    /** The worker is shutting down and took no new call: the call never ran, so it can go elsewhere. */
    public static final String DRAINING = "draining";

    /** Every kind, in the order docs/PROTOCOL.md lists them. */
    public static final List<String> ALL = List.of(EXCEPTION, UNKNOWN_FUNCTION, BAD_ARGUMENTS, DEADLINE_EXCEEDED,
            CANCELLED, UNSERIALIZABLE_RESULT, BAD_VALUE, FRAME_TOO_LARGE, DRAINING);

    private ErrorKinds() {
    }
}
