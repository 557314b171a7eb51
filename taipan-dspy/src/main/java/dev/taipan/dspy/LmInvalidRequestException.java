package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The provider rejected the request as malformed (HTTP 400): model name, parameters. Not retryable. */
public class LmInvalidRequestException extends LmException {
    public LmInvalidRequestException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
