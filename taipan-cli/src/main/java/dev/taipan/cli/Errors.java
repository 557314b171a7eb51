package dev.taipan.cli;

import dev.taipan.PythonException;
import dev.taipan.TaipanException;
import dev.taipan.WorkerLostException;

import java.io.PrintStream;

/** Prints a {@link TaipanException} for a human: its type, message and the details it carries. */
final class Errors {
    private Errors() {
    }

    static void print(TaipanException e, PrintStream err) {
        err.println("error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        if (e instanceof PythonException p && !p.pythonTraceback().isEmpty()) {
            err.println("Python traceback (" + p.pythonType() + "):");
            err.println(p.pythonTraceback().stripTrailing());
        }
        if (e instanceof WorkerLostException w && !w.stderrTail().isEmpty()) {
            err.println("worker " + w.workerId() + " stderr (last lines):");
            err.println(w.stderrTail().stripTrailing());
        }
        if (e.getCause() != null && !(e instanceof PythonException)) {
            err.println("caused by: " + e.getCause());
        }
    }
}
