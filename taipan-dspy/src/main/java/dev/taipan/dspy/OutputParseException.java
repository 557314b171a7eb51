package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The LM answered, but not in the shape the signature asks for (DSPy's AdapterParseError). */
public class OutputParseException extends LmException {
    /**
     * Made by the bridge from the worker's error.
     *
     * @param message   what happened, for humans
     * @param retryable whether trying again later may succeed
     * @param cause     the Python exception, with DSPy's or LiteLLM's type and traceback
     */
    public OutputParseException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
