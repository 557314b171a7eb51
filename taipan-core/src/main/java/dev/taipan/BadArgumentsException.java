package dev.taipan;

/** The arguments do not fit the function's signature (or a session-aware function got no session). */
public class BadArgumentsException extends PythonException {
    /**
     * Made from the worker's error frame.
     *
     * @param function    the function called
     * @param pythonType  the Python exception's class (a {@code TypeError}, as a rule)
     * @param message     what did not fit
     */
    public BadArgumentsException(String function, String pythonType, String message) {
        super(function, pythonType, message, "");
    }
}
