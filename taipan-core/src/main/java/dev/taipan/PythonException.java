package dev.taipan;

/**
 * The Python function raised. Carries the exception's type, message and full traceback;
 * the worker that ran it is still healthy.
 */
public class PythonException extends TaipanException {
    /** The function called. */
    private final String function;
    /** The Python exception's class. */
    private final String pythonType;
    /** Its message. */
    private final String pythonMessage;
    /** Its traceback, never null. */
    private final String pythonTraceback;

    /**
     * Made by the pool from the worker's error frame.
     *
     * @param function        the function called
     * @param pythonType      the Python exception's class
     * @param pythonMessage   its message
     * @param pythonTraceback its formatted traceback, or null for none
     */
    public PythonException(String function, String pythonType, String pythonMessage, String pythonTraceback) {
        super(function + " raised " + pythonType + ": " + pythonMessage);
        this.function = function;
        this.pythonType = pythonType;
        this.pythonMessage = pythonMessage;
        this.pythonTraceback = pythonTraceback == null ? "" : pythonTraceback;
    }

    /** {@return the function called, as the caller named it} */
    public String function() { return function; }
    /** {@return the Python exception class, e.g. {@code ValueError} or {@code json.decoder.JSONDecodeError}} */
    public String pythonType() { return pythonType; }
    /** {@return the Python exception's message ({@code str(e)}), secrets redacted} */
    public String pythonMessage() { return pythonMessage; }
    /** {@return the Python traceback as Python formats it, secrets redacted; empty if none came} */
    public String pythonTraceback() { return pythonTraceback; }

    @Override
    public String toString() {
        return pythonTraceback.isEmpty() ? super.toString()
                : super.toString() + "\nPython traceback:\n" + pythonTraceback;
    }
}
