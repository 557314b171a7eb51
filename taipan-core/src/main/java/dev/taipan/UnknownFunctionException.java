package dev.taipan;

/** No such function in the worker: not decorated, or its module is not allow-listed. */
public class UnknownFunctionException extends PythonException {
    /**
     * Made from the worker's error frame.
     *
     * @param function the name no worker knows
     * @param message  what the worker said, such as the modules it allows
     */
    public UnknownFunctionException(String function, String message) {
        super(function, "UnknownFunction", message, "");
    }
}
