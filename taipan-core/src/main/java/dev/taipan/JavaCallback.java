package dev.taipan;

/**
 * A Java function that Python code may call while a call is running (a ReAct tool, a metric
 * written in Java). It receives the argument Python passed, as a wire value ({@code Map},
 * {@code List}, {@code String}, {@code Long}, ...), and returns a wire value. Runs on the
 * pool's callback executor; an exception becomes an error Python sees as
 * {@code taipan_worker.CallbackError}.
 */
@FunctionalInterface
public interface JavaCallback {
    /**
     * Runs the callback.
     *
     * @param args the argument Python passed, as a wire value (null if none)
     * @return a wire value for Python
     * @throws Exception anything: Python sees it as {@code taipan_worker.CallbackError}
     */
    Object apply(Object args) throws Exception;
}
