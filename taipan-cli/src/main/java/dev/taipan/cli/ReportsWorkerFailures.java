package dev.taipan.cli;

/**
 * Marks a command whose error output already says why a worker failed to start or died (the
 * exception's message with the worker's stderr, the Python traceback): for it, the pool's own
 * warning about that failure would print the same traceback a second time. See
 * {@link Logging#configure}.
 */
interface ReportsWorkerFailures {
}
