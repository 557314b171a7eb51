package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The LM did not answer in time. Retryable. */
public class LmTimeoutException extends LmException {
    /**
     * Made by the bridge from the worker's error.
     *
     * @param message   what happened, for humans
     * @param retryable whether trying again later may succeed
     * @param cause     the Python exception, with DSPy's or LiteLLM's type and traceback
     */
    public LmTimeoutException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
