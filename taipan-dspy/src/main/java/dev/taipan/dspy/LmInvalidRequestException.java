package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The provider rejected the request as malformed (HTTP 400): model name, parameters. Not retryable. */
public class LmInvalidRequestException extends LmException {
    /**
     * Made by the bridge from the worker's error.
     *
     * @param message   what happened, for humans
     * @param retryable whether trying again later may succeed
     * @param cause     the Python exception, with DSPy's or LiteLLM's type and traceback
     */
    public LmInvalidRequestException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
