package dev.taipan.dspy;

import dev.taipan.PythonException;
import dev.taipan.TaipanException;

/**
 * Maps DSPy's exception types (see docs/DSPY-BRIDGE.md, "Errors": from DSPy 3.3 on every LM
 * failure surfaces as a {@code dspy.utils.exceptions} class, whichever HTTP engine ran) to the
 * typed {@link LmException}s. Matching is on the class name's last segment, so a provider
 * library's own {@code RateLimitError} would land in the same place.
 */
final class LmErrors {
    private LmErrors() {
    }

    static TaipanException map(PythonException e) {
        String type = e.pythonType();
        String simple = type.substring(type.lastIndexOf('.') + 1);
        String msg = simple + ": " + e.pythonMessage();
        if (simple.contains("RateLimit")) {
            return new LmRateLimitException(msg, true, e);
        }
        if (simple.contains("ContextWindow")) {
            return new ContextWindowExceededException(msg, false, e);
        }
        if (simple.contains("Timeout") || (simple.contains("Transport") && mentionsTimeout(e.pythonMessage()))) {
            // DSPy's native engine reports a request that ran out of time as a transport error.
            return new LmTimeoutException(msg, true, e);
        }
        if (simple.contains("Authentication") || simple.contains("Auth") || simple.contains("PermissionDenied")) {
            return new LmAuthException(msg, false, e);
        }
        if (simple.contains("AdapterParseError") || simple.equals("JSONDecodeError")) {
            return new OutputParseException(msg, false, e);
        }
        if (simple.contains("BadRequest") || simple.contains("InvalidRequest") || simple.contains("NotFound")
                || simple.contains("UnsupportedModel")) {
            return new LmInvalidRequestException(msg, false, e);
        }
        if (simple.contains("InternalServer") || simple.contains("ServiceUnavailable") || simple.contains("APIError")
                || simple.contains("APIConnection") || simple.contains("ServerError") || simple.contains("Transport")
                || simple.equals("LMError")) {
            return new LmServerException(msg, true, e);
        }
        return e;
    }

    private static boolean mentionsTimeout(String message) {
        String m = message == null ? "" : message.toLowerCase(java.util.Locale.ROOT);
        return m.contains("timeout") || m.contains("timed out");
    }
}
