package dev.taipan.pool;

/**
 * The exception of a worker's Python log record, as the text Python formatted (its traceback),
 * handed to SLF4J as the record's cause so that a backend puts it where exceptions go (a JSON
 * encoder's stack-trace field). It has no Java stack: the stack that matters is in the text.
 */
final class PythonTraceback extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PythonTraceback(String text) {
        super(text, null, false, false);
    }

    /** The traceback alone: printed as it is, not behind a Java class name. */
    @Override
    public String toString() {
        return getMessage();
    }
}
