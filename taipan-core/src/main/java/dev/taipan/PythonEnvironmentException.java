package dev.taipan;

/**
 * No usable Python: the interpreter is missing or older than 3.9, nothing was found to
 * detect, or a provisioned environment could not be made (a requirement that does not
 * exist, no network, a full disk). The message names the interpreter or requirement and
 * says what to do; {@link #stderrTail()} holds the end of the installer's output, if one ran.
 *
 * <p>It is a {@link PoolStartException} because a pool resolves its environment as it
 * starts: code that handles a pool that cannot start handles this too.
 */
public class PythonEnvironmentException extends PoolStartException {
    public PythonEnvironmentException(String message, Integer exitCode, String outputTail, Throwable cause) {
        super(message, exitCode, outputTail, cause);
    }
}
