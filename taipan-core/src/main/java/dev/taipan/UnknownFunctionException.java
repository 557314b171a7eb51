package dev.taipan;

/** No such function in the worker: not decorated, or its module is not allow-listed. */
public class UnknownFunctionException extends PythonException {
    public UnknownFunctionException(String function, String message) {
        super(function, "UnknownFunction", message, "");
    }
}
