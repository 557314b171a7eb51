package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The provider failed (HTTP 5xx, connection errors). Retryable. */
public class LmServerException extends LmException {
    /**
     * Made by the bridge from the worker's error.
     *
     * @param message   what happened, for humans
     * @param retryable whether trying again later may succeed
     * @param cause     the Python exception, with DSPy's or LiteLLM's type and traceback
     */
    public LmServerException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
