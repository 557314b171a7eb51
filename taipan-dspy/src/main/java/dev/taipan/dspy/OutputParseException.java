package dev.taipan.dspy;

import dev.taipan.PythonException;

/** The LM answered, but not in the shape the signature asks for (DSPy's AdapterParseError). */
public class OutputParseException extends LmException {
    public OutputParseException(String message, boolean retryable, PythonException cause) {
        super(message, retryable, cause);
    }
}
