package dev.taipan.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** The project venv's Python for the bench tests that start workers or peers (tagged "python"). */
public final class VenvPython {
    private VenvPython() {
    }

    /**
     * {@code -Dtaipan.python} (which the build sets), else the nearest {@code .venv/bin/python}.
     * Without a venv this throws, so that a Python-layer test fails rather than skips.
     */
    public static String path() {
        String p = System.getProperty("taipan.python");
        if (p != null) {
            return requireExecutable(p);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path venv = dir.resolve(".venv/bin/python");
            if (Files.isExecutable(venv)) {
                return venv.toString();
            }
        }
        throw new IllegalStateException("no project venv: run bin/taipan setup (-Dtaipan.python or .venv/bin/python)");
    }

    /** A Python that was named but is missing fails the test: falling back to .venv would test another DSPy. */
    private static String requireExecutable(String python) {
        if (!Files.isExecutable(Path.of(python))) {
            throw new IllegalStateException("taipan.python is " + python + ", which is not an executable: run bin/taipan"
                    + " setup, or check TAIPAN_TEST_PYTHON");
        }
        return python;
    }
}
