package dev.taipan.cli;

/**
 * The CLI's log levels (slf4j-simple, on stderr). slf4j-simple reads its settings from system
 * properties when the first logger is created, and fixes each logger's level then: so
 * {@link #configure} runs after the command line is parsed and before any command runs, and
 * nothing the CLI loads before that point may create a logger (the command classes hold none).
 *
 * <p>The default is WARN: a command's output is its result, and a healthy run says nothing
 * else. {@code -v} shows the pool's lifecycle (INFO, and whatever the workers print),
 * {@code -vv} its details (DEBUG).
 */
final class Logging {
    static final String DEFAULT_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
    /** The logger of the supervisor, which warns when a worker fails to start or dies. */
    static final String SUPERVISOR = "org.slf4j.simpleLogger.log.dev.taipan.pool.WorkerSupervisor";
    /** The provisioner's loggers: their INFO lines are {@code env provision}'s progress. */
    static final String PROVISIONER = "org.slf4j.simpleLogger.log.dev.taipan.python";

    private Logging() {
    }

    /** WARN, INFO, DEBUG for 0, 1, 2 or more {@code -v}. */
    static String level(int verbosity) {
        return verbosity <= 0 ? "warn" : verbosity == 1 ? "info" : "debug";
    }

    /**
     * Sets the levels for a run with {@code verbosity} times {@code -v}. A command that reports a
     * worker's failure itself ({@code reportsWorkerFailures}: its error message carries the
     * worker's stderr and Python traceback) keeps the supervisor's warning about the same failure
     * out of the default output, so the traceback is shown once; with {@code -v} it is logged.
     */
    static void configure(int verbosity, boolean reportsWorkerFailures) {
        configure(verbosity, reportsWorkerFailures, false);
    }

    /** {@code showsProgress}: the provisioner's INFO lines are shown without {@code -v}. */
    static void configure(int verbosity, boolean reportsWorkerFailures, boolean showsProgress) {
        System.setProperty(DEFAULT_LEVEL, level(verbosity));
        if (showsProgress) {
            System.setProperty(PROVISIONER, verbosity >= 2 ? "debug" : "info");
        } else {
            System.clearProperty(PROVISIONER);
        }
        if (reportsWorkerFailures && verbosity == 0) {
            System.setProperty(SUPERVISOR, "error");
        } else {
            System.clearProperty(SUPERVISOR);
        }
    }
}
