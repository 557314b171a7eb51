package dev.taipan.dspy;

import dev.taipan.PythonException;
import dev.taipan.TaipanException;

/**
 * The language model call failed (or its answer could not be parsed). Subclasses say how;
 * {@link #retryable()} says whether trying again later may succeed. The cause is the
 * {@link PythonException} with DSPy's or LiteLLM's own type and traceback.
 */
public class LmException extends TaipanException {
    /** Whether trying again later may succeed. */
    private final boolean retryable;

    /**
     * Made by the bridge from the worker's error.
     *
     * @param message   what happened, for humans
     * @param retryable whether trying again later may succeed
     * @param cause     the Python exception, with DSPy's or LiteLLM's type and traceback
     */
    public LmException(String message, boolean retryable, PythonException cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** {@return whether trying again later may succeed (a rate limit, a timeout, a server error), as opposed to a request that will fail again (a bad key, a prompt too long)} */
    public boolean retryable() {
        return retryable;
    }

    /** {@return DSPy's or LiteLLM's exception class, e.g. {@code litellm.exceptions.RateLimitError}} */
    public String pythonType() {
        return getCause() instanceof PythonException ? ((PythonException) getCause()).pythonType() : "";
    }
}
