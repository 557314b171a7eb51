package dev.taipan.dspy;

import dev.taipan.PythonException;
import dev.taipan.TaipanException;

/**
 * The language model call failed (or its answer could not be parsed). Subclasses say how;
 * {@link #retryable()} says whether trying again later may succeed. The cause is the
 * {@link PythonException} with DSPy's or LiteLLM's own type and traceback.
 */
public class LmException extends TaipanException {
    private final boolean retryable;

    public LmException(String message, boolean retryable, PythonException cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }

    /** {@return DSPy's or LiteLLM's exception class, e.g. {@code litellm.exceptions.RateLimitError}} */
    public String pythonType() {
        return getCause() instanceof PythonException ? ((PythonException) getCause()).pythonType() : "";
    }
}
