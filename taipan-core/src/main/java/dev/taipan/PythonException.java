package dev.taipan;

/**
 * The Python function raised. Carries the exception's type, message and full traceback;
 * the worker that ran it is still healthy.
 */
public class PythonException extends TaipanException {
    private final String function;
    private final String pythonType;
    private final String pythonMessage;
    private final String pythonTraceback;

    public PythonException(String function, String pythonType, String pythonMessage, String pythonTraceback) {
        super(function + " raised " + pythonType + ": " + pythonMessage);
        this.function = function;
        this.pythonType = pythonType;
        this.pythonMessage = pythonMessage;
        this.pythonTraceback = pythonTraceback == null ? "" : pythonTraceback;
    }

    public String function() { return function; }
    /** The Python exception class, e.g. {@code ValueError} or {@code json.decoder.JSONDecodeError}. */
    public String pythonType() { return pythonType; }
    public String pythonMessage() { return pythonMessage; }
    public String pythonTraceback() { return pythonTraceback; }

    @Override
    public String toString() {
        return pythonTraceback.isEmpty() ? super.toString()
                : super.toString() + "\nPython traceback:\n" + pythonTraceback;
    }
}
