package dev.taipan;

/** The arguments do not fit the function's signature (or a session-aware function got no session). */
public class BadArgumentsException extends PythonException {
    public BadArgumentsException(String function, String pythonType, String message) {
        super(function, pythonType, message, "");
    }
}
