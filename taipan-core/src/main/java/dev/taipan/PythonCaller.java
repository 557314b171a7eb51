package dev.taipan;

import dev.taipan.pool.JavaValues;

import java.util.concurrent.CompletableFuture;

/**
 * Calls Python functions by name ({@code "module:function"}, or a built-in such as
 * {@code "ping"}). Implemented by {@link TaipanPool} (any worker) and {@link Session}
 * (always the session's worker).
 *
 * <p>{@code args} may be a {@code Map} (keyword arguments), a {@code List} or array
 * (positional arguments), {@code null} (no arguments), a single scalar ({@code String},
 * number, {@code Boolean}, {@code byte[]}: one positional argument), or a record/POJO
 * (converted with Jackson to keyword arguments); records and POJOs nested in maps and lists
 * are converted to maps too, while JDK types other than those listed are refused with a
 * {@link SerializationException} before anything is sent. Results come back as {@code Map},
 * {@code List}, {@code String}, {@code Long}, {@code Double}, {@code Boolean},
 * {@code byte[]} or {@code null}, or as the type you ask for.
 */
public interface PythonCaller {
    /**
     * Runs the call and waits for its result; throws a {@link TaipanException} subclass on failure.
     *
     * @param function {@code "module:function"} or a built-in's name
     * @param args     the arguments, as described above
     * @param options  per-call settings, {@link CallOptions#DEFAULT} for none
     * @return the result as a wire value
     * @throws TaipanException how the call failed: a {@link PythonException}, a timeout, a lost worker...
     */
    Object call(String function, Object args, CallOptions options);

    /**
     * Starts the call. Cancelling the returned future cancels the call in Python and frees
     * its slot. The future is completed on the pool's callback executor, never on an I/O
     * thread, so dependent stages may block.
     *
     * @param function {@code "module:function"} or a built-in's name
     * @param args     the arguments, as described above
     * @param options  per-call settings, {@link CallOptions#DEFAULT} for none
     * @return the future of the result, completed exceptionally with a {@link TaipanException}
     */
    CompletableFuture<Object> callAsync(String function, Object args, CallOptions options);

    /**
     * Runs a call with no arguments and the pool's defaults.
     *
     * @param function {@code "module:function"} or a built-in's name
     * @return the result as a wire value
     * @throws TaipanException how the call failed
     */
    default Object call(String function) {
        return call(function, null, CallOptions.DEFAULT);
    }

    /**
     * Runs a call with the pool's defaults.
     *
     * @param function {@code "module:function"} or a built-in's name
     * @param args     the arguments
     * @return the result as a wire value
     * @throws TaipanException how the call failed
     */
    default Object call(String function, Object args) {
        return call(function, args, CallOptions.DEFAULT);
    }

    /**
     * Runs the call and converts its result to {@code type} with Jackson.
     *
     * @param <T>      the result's type
     * @param function {@code "module:function"} or a built-in's name
     * @param args     the arguments
     * @param type     the class to convert the result to
     * @return the converted result
     * @throws SerializationException if the result does not convert to {@code type}
     * @throws TaipanException        how the call failed
     */
    default <T> T call(String function, Object args, Class<T> type) {
        return JavaValues.convert(call(function, args, CallOptions.DEFAULT), type, function);
    }

    /**
     * Runs the call with {@code options} and converts its result to {@code type} with Jackson.
     *
     * @param <T>      the result's type
     * @param function {@code "module:function"} or a built-in's name
     * @param args     the arguments
     * @param options  per-call settings
     * @param type     the class to convert the result to
     * @return the converted result
     * @throws SerializationException if the result does not convert to {@code type}
     * @throws TaipanException        how the call failed
     */
    default <T> T call(String function, Object args, CallOptions options, Class<T> type) {
        return JavaValues.convert(call(function, args, options), type, function);
    }

    /**
     * Starts a call with the pool's defaults; see {@link #callAsync(String, Object, CallOptions)}.
     *
     * @param function {@code "module:function"} or a built-in's name
     * @param args     the arguments
     * @return the future of the result
     */
    default CompletableFuture<Object> callAsync(String function, Object args) {
        return callAsync(function, args, CallOptions.DEFAULT);
    }

    /**
     * Starts a call whose result is converted to {@code type} with Jackson; the future fails
     * with a {@link SerializationException} if it does not convert.
     *
     * @param <T>      the result's type
     * @param function {@code "module:function"} or a built-in's name
     * @param args     the arguments
     * @param type     the class to convert the result to
     * @return the future of the converted result
     */
    default <T> CompletableFuture<T> callAsync(String function, Object args, Class<T> type) {
        return callAsync(function, args, CallOptions.DEFAULT).thenApply(v -> JavaValues.convert(v, type, function));
    }
}
