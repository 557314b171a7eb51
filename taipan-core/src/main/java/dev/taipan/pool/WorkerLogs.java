package dev.taipan.pool;

import dev.taipan.protocol.Messages;
import dev.taipan.protocol.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.slf4j.event.Level;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The {@code log} frames of a pool's workers (their Python {@code logging} records and
 * warnings) into SLF4J: under {@code dev.taipan.worker.<python logger name>}, at the mapped
 * level, with the Python traceback as the cause ({@link PythonTraceback}) and the MDC keys
 * {@link #MDC_POOL}, {@link #MDC_WORKER}, {@link #MDC_CALL_ID}, {@link #MDC_TRACE_ID} and
 * {@link #MDC_THREAD} set while the record is logged (and the logging thread's own values of
 * those keys put back after: the thread may be a caller reading its own reply). Text is
 * redacted like every other line of a worker. The volume is bounded in the worker
 * ({@code taipan_worker.logs}: a token bucket and a size limit per record).
 */
final class WorkerLogs {
    static final String LOGGER_PREFIX = "dev.taipan.worker.";
    static final String MDC_POOL = "taipan.pool";
    static final String MDC_WORKER = "taipan.worker";
    static final String MDC_CALL_ID = "taipan.call_id";
    /** The OpenTelemetry name, so that log-to-trace correlation finds it. */
    static final String MDC_TRACE_ID = "trace_id";
    static final String MDC_THREAD = "taipan.python_thread";
    private static final String[] KEYS = {MDC_POOL, MDC_WORKER, MDC_CALL_ID, MDC_TRACE_ID, MDC_THREAD};
    /**
     * Distinct Python logger names given their own SLF4J logger; a worker inventing names
     * without end (backends keep every logger for good) gets the rest logged under
     * {@code dev.taipan.worker.other}, with the name in front of the message.
     */
    static final int MAX_LOGGERS = 1_000;
    static final String OTHER = LOGGER_PREFIX + "other";

    /** What was logged, for tests: SLF4J logger name, level, message, exception text, MDC values. */
    record Logged(String logger, Level level, String message, String exception, Map<String, String> mdc) {
    }

    private final String poolName;
    private final Redactor redactor;
    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private volatile Consumer<Logged> observer;

    WorkerLogs(String poolName, Redactor redactor) {
        this.poolName = poolName;
        this.redactor = redactor;
    }

    void onLogged(Consumer<Logged> observer) {
        this.observer = observer;
    }

    /** SLF4J's level for a Python level number: 40 and up ERROR, 30 WARN, 20 INFO, 10 DEBUG, below TRACE. */
    static Level level(long python) {
        return python >= 40 ? Level.ERROR : python >= 30 ? Level.WARN : python >= 20 ? Level.INFO
                : python >= 10 ? Level.DEBUG : Level.TRACE;
    }

    /** The SLF4J logger name of a Python logger: the prefix and the name ({@code root} for the root logger). */
    static String loggerName(String python) {
        String name = python.strip();
        return LOGGER_PREFIX + (name.isEmpty() ? "root" : name);
    }

    /** One {@code log} frame of worker {@code workerId}; a frame of the wrong shape is a protocol error. */
    void accept(String workerId, Map<String, Object> msg) {
        Level level = level(Messages.integer(msg, "level"));
        // Every text the worker chose is redacted, names too: a secret may end up anywhere.
        String pythonLogger = redactor.redact(Messages.string(msg, "logger"));
        String message = redactor.redact(Messages.string(msg, "message"));
        String exception = Messages.optionalString(msg, "exception");
        String thread = Messages.optionalString(msg, "thread");
        thread = thread == null ? null : redactor.redact(thread);
        String traceId = Messages.optionalString(msg, "trace_id");
        Object callId = msg.get("call_id");
        if (callId != null && !(callId instanceof Long)) {
            throw new ProtocolException("'log' message has a non-integer 'call_id'");
        }
        String name = loggerName(pythonLogger);
        Logger logger = loggers.get(name);
        if (logger == null) {
            if (loggers.size() < MAX_LOGGERS) {
                logger = loggers.computeIfAbsent(name, LoggerFactory::getLogger);
            } else {
                logger = loggers.computeIfAbsent(OTHER, LoggerFactory::getLogger);
                message = "[" + pythonLogger + "] " + message;
            }
        }
        Consumer<Logged> seen = observer;
        if (!logger.isEnabledForLevel(level) && seen == null) {
            return;
        }
        Map<String, String> mdc = new LinkedHashMap<>(8);
        mdc.put(MDC_POOL, poolName);
        mdc.put(MDC_WORKER, workerId);
        if (callId != null) {
            mdc.put(MDC_CALL_ID, callId.toString());
        }
        if (traceId != null && isTraceId(traceId)) {
            mdc.put(MDC_TRACE_ID, traceId);
        }
        if (thread != null) {
            mdc.put(MDC_THREAD, thread);
        }
        PythonTraceback cause = exception == null ? null : new PythonTraceback(redactor.redact(exception));
        String[] before = new String[KEYS.length];
        for (int i = 0; i < KEYS.length; i++) {
            before[i] = MDC.get(KEYS[i]);
            String value = mdc.get(KEYS[i]);
            if (value != null) {
                MDC.put(KEYS[i], value);
            } else {
                MDC.remove(KEYS[i]);
            }
        }
        try {
            log(logger, level, message, cause);
        } finally {
            for (int i = 0; i < KEYS.length; i++) {
                if (before[i] != null) {
                    MDC.put(KEYS[i], before[i]);
                } else {
                    MDC.remove(KEYS[i]);
                }
            }
        }
        if (seen != null) {
            seen.accept(new Logged(logger.getName(), level, message, cause == null ? null : cause.getMessage(), mdc));
        }
    }

    /** 32 lowercase hex digits, as the worker sends them; anything else is not put in the MDC. */
    static boolean isTraceId(String s) {
        if (s.length() != 32) {
            return false;
        }
        for (int i = 0; i < 32; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static void log(Logger logger, Level level, String message, Throwable cause) {
        // (String, Throwable): the message is Python's formatted text, never an SLF4J pattern.
        switch (level) {
            case ERROR -> logger.error(message, cause);
            case WARN -> logger.warn(message, cause);
            case INFO -> logger.info(message, cause);
            case DEBUG -> logger.debug(message, cause);
            default -> logger.trace(message, cause);
        }
    }
}
