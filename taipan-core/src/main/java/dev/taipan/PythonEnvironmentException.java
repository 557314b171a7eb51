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
    /**
     * For the environment code and for wrappers that resolve Python themselves.
     *
     * @param message    what failed, naming the interpreter or requirement, and what to do
     * @param exitCode   the exit status of the failed interpreter or installer; null if none ran
     *                   to its end (it could not start, or was killed at its timeout)
     * @param outputTail the last lines of its output, credentials in URLs masked; empty if none
     * @param cause      the underlying exception, or null
     */
    public PythonEnvironmentException(String message, Integer exitCode, String outputTail, Throwable cause) {
        super(message, exitCode, outputTail, cause);
    }
}
