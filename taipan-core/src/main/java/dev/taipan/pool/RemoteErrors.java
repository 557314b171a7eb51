package dev.taipan.pool;

import dev.taipan.BadArgumentsException;
import dev.taipan.CallCancelledException;
import dev.taipan.CallTimeoutException;
import dev.taipan.FrameTooLargeException;
import dev.taipan.PythonException;
import dev.taipan.SerializationException;
import dev.taipan.TaipanException;
import dev.taipan.UnknownFunctionException;
import dev.taipan.WorkerCrashedException;
import dev.taipan.WorkerLostException;
import dev.taipan.WorkerProtocolException;
import dev.taipan.WorkerUnresponsiveException;
import dev.taipan.protocol.ErrorKinds;

import java.util.Map;

/**
 * Turns a worker's {@code error} frame, or a worker's death, into the typed exception; which
 * exception each {@link ErrorKinds error kind} becomes is the table in docs/PROTOCOL.md.
 */
final class RemoteErrors {
    private RemoteErrors() {
    }

    static TaipanException toException(PendingCall call, Map<String, Object> error, int maxFrameBytes,
                                       Redactor redactor) {
        String function = call.function;
        String kind = str(error.get("kind"));
        String type = str(error.get("error_type"));
        String message = redactor.redact(str(error.get("message")));
        String traceback = redactor.redact(str(error.get("traceback")));
        // DRAINING never gets here: the call never ran, so the engine gives it to another worker.
        switch (kind) {
            case ErrorKinds.UNKNOWN_FUNCTION:
                return new UnknownFunctionException(function, message);
            case ErrorKinds.BAD_ARGUMENTS:
                return new BadArgumentsException(function, type, message);
            case ErrorKinds.DEADLINE_EXCEEDED:
                return new CallTimeoutException(function + " timed out after " + call.timeout + " while running on worker "
                        + (call.worker == null ? "?" : call.worker.id) + " (" + message + ")", call.timeout);
            case ErrorKinds.CANCELLED:
                return new CallCancelledException(function + " was cancelled");
            case ErrorKinds.UNSERIALIZABLE_RESULT:
                return new SerializationException("the result of " + function + " cannot be sent from Python: "
                        + message);
            case ErrorKinds.BAD_VALUE:
                return new SerializationException("the arguments of " + function + " cannot be decoded by the worker: "
                        + message);
            case ErrorKinds.FRAME_TOO_LARGE:
                return new FrameTooLargeException("the result of " + function + " is too large to send: " + message,
                        -1, maxFrameBytes);
            case ErrorKinds.EXCEPTION:
            default: // a kind this side does not know yet (a newer worker): still the function's failure
                return new PythonException(function, type.isEmpty() ? "Exception" : type, message, traceback);
        }
    }

    static WorkerLostException workerLost(String workerId, String how, Integer exitCode, Integer signal,
                                          String stderrTail, Throwable cause, boolean protocolError) {
        String tail = stderrTail.isEmpty() ? "" : "\n--- worker stderr (last lines) ---\n" + stderrTail;
        if (cause instanceof HeartbeatTimeout) {
            return new WorkerUnresponsiveException("worker " + workerId + " stopped answering (" + cause.getMessage()
                    + ") and was killed; " + how + tail, workerId, exitCode, signal, stderrTail, cause);
        }
        if (protocolError) {
            return new WorkerProtocolException("worker " + workerId + " broke the protocol ("
                    + (cause == null ? "?" : cause.getMessage()) + ") and was replaced; " + how + tail,
                    workerId, exitCode, signal, stderrTail, cause);
        }
        return new WorkerCrashedException("worker " + workerId + " died during the call: " + how + tail,
                workerId, exitCode, signal, stderrTail, cause);
    }

    /**
     * Whether the worker ended itself, so the call it was running may be the cause: it exited
     * with a non-zero status, died of a fatal signal of its own (SIGSEGV, SIGABRT, ...), broke
     * the protocol, or stopped answering. SIGKILL and SIGTERM come from outside (an operator,
     * a supervisor, the chaos suite) and do not count against the call.
     */
    static boolean crashed(WorkerLostException lost) {
        if (lost instanceof WorkerUnresponsiveException || lost instanceof WorkerProtocolException) {
            return true;
        }
        Integer signal = lost.signal();
        if (signal != null) {
            return signal != 9 && signal != 15;
        }
        Integer exit = lost.exitCode();
        return exit != null && exit != 0;
    }

    /**
     * The crash barrier's error: the last worker's loss, of the same type, saying that the
     * call is not retried again and which workers it was running on when they died.
     */
    static WorkerLostException notRetriedAgain(WorkerLostException lost, java.util.List<String> crashed) {
        String message = "not retried again: this call crashed " + crashed.size() + " workers ("
                + String.join(", ", crashed) + "); the last one: " + lost.getMessage();
        if (lost instanceof WorkerUnresponsiveException) {
            return new WorkerUnresponsiveException(message, lost.workerId(), lost.exitCode(), lost.signal(),
                    lost.stderrTail(), lost.getCause());
        }
        if (lost instanceof WorkerProtocolException) {
            return new WorkerProtocolException(message, lost.workerId(), lost.exitCode(), lost.signal(),
                    lost.stderrTail(), lost.getCause());
        }
        return new WorkerCrashedException(message, lost.workerId(), lost.exitCode(), lost.signal(),
                lost.stderrTail(), lost.getCause());
    }

    private static String str(Object o) {
        return o == null ? "" : o.toString();
    }
}
