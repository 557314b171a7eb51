package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The provider refused the call for rate or quota reasons (HTTP 429). Retryable after a pause. */
public class LmRateLimitException extends LmException {
    /**
     * Made by the bridge from the worker's error.
     *
     * @param message   what happened, for humans
     * @param retryable whether trying again later may succeed
     * @param cause     the Python exception, with DSPy's or LiteLLM's type and traceback
     */
    public LmRateLimitException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
