package dev.taipan.pool;

/**
 * What a fake worker does when one of its functions is called: the test's script for that
 * function. It runs on a thread of its own (like a Python plain function), so it may block;
 * its return value is the call's {@code result}, a {@link PythonError} its {@code error}.
 */
@FunctionalInterface
interface FakeFunction {
    Object run(FakeCall call) throws Exception;

    /** Answers every call with {@code value}. */
    static FakeFunction returning(Object value) {
        return call -> value;
    }

    /** Raises, as Python would: an {@code error} frame of kind {@code exception}. */
    static FakeFunction raising(String errorType, String message) {
        return call -> {
            throw new PythonError(errorType, message);
        };
    }

    /** Blocks until the test releases the call ({@link FakeCall#release}) or the host cancels it. */
    static FakeFunction held() {
        return FakeCall::hold;
    }

    /** The worker dies mid-call: it closes its socket and exits with {@code status} (139: SIGSEGV). */
    static FakeFunction crashing(int status) {
        return call -> {
            call.worker().exit(status);
            throw new FakeCall.Stopped();
        };
    }

    /** The worker's event loop gets stuck mid-call: no answer, no heartbeat, ever. */
    static FakeFunction hanging() {
        return call -> {
            call.worker().hang();
            return call.hold();
        };
    }

    /** A Python exception: {@code error_type} and {@code message} of the error frame. */
    final class PythonError extends Exception {
        final String errorType;

        PythonError(String errorType, String message) {
            super(message);
            this.errorType = errorType;
        }
    }
}
