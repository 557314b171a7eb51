package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the Python a developer would expect, the conventional ways in order: an activated
 * virtualenv ({@code VIRTUAL_ENV}), an activated conda environment ({@code CONDA_PREFIX}), a
 * {@code .venv} in the working directory, then {@code python3} on {@code PATH}. It takes the
 * environment and the working directory as arguments (a JVM cannot change its own), so tests
 * can stage each case; and it says why it chose, and what it passed over.
 */
public final class Detection {
    private static final boolean WINDOWS = File.separatorChar == '\\';

    private Detection() {
    }

    /** The conventional places looked at, in order (the public API names them {@code PythonEnvironment.Source}). */
    public enum Way {
        VIRTUAL_ENV, CONDA_PREFIX, DOT_VENV, PATH
    }

    /** The choice: the interpreter, the way it was found, and why (with what was passed over). */
    public record Found(Path python, Way way, String why) {
    }

    public static Found detect(Map<String, String> env, Path workingDir) {
        List<String> passedOver = new ArrayList<>();
        Found f = inEnvironment(env, "VIRTUAL_ENV", Way.VIRTUAL_ENV, passedOver);
        if (f == null) {
            f = inEnvironment(env, "CONDA_PREFIX", Way.CONDA_PREFIX, passedOver);
        }
        if (f == null) {
            Path venv = workingDir.toAbsolutePath().resolve(".venv");
            if (Files.isDirectory(venv)) {
                Path py = venvPython(venv);
                if (Files.isExecutable(py)) {
                    f = new Found(py, Way.DOT_VENV, ".venv in the working directory " + workingDir.toAbsolutePath());
                } else {
                    passedOver.add(venv + " has no " + relative(venv, py));
                }
            }
        }
        if (f == null) {
            Path py = onPath(env.get("PATH"), WINDOWS ? List.of("python3.exe", "python.exe") : List.of("python3"));
            if (py != null) {
                f = new Found(py, Way.PATH, py.getFileName() + " on PATH");
            }
        }
        if (f == null) {
            throw new PythonEnvironmentException("no Python found: no VIRTUAL_ENV or CONDA_PREFIX set, no .venv in "
                    + workingDir.toAbsolutePath() + ", no python3 on PATH" + (passedOver.isEmpty() ? ""
                    : " (passed over: " + String.join("; ", passedOver) + ")") + ". Install Python 3.9+ or point "
                    + "Taipan at one with PythonEnvironment.interpreter(Path.of(\"/path/to/python3\"))", null, "", null);
        }
        return passedOver.isEmpty() ? f
                : new Found(f.python(), f.way(), f.why() + " (passed over: " + String.join("; ", passedOver) + ")");
    }

    private static Found inEnvironment(Map<String, String> env, String variable, Way way, List<String> passedOver) {
        String dir = env.get(variable);
        if (dir == null || dir.isBlank()) {
            return null;
        }
        Path py;
        try {
            py = venvPython(Path.of(dir));
        } catch (InvalidPathException e) {
            passedOver.add(variable + " is not a path");
            return null;
        }
        if (!Files.isExecutable(py)) {
            passedOver.add(variable + "=" + dir + " has no " + relative(Path.of(dir), py));
            return null;
        }
        return new Found(py, way, variable + " is set (" + dir + ")");
    }

    /** The interpreter of a virtualenv or conda environment. */
    public static Path venvPython(Path envDir) {
        if (WINDOWS) {
            Path scripts = envDir.resolve("Scripts").resolve("python.exe");
            return Files.exists(scripts) ? scripts : envDir.resolve("python.exe"); // conda puts it at the top
        }
        return envDir.resolve("bin").resolve("python");
    }

    /** The first executable of one of {@code names} in the directories of {@code path}, or null. */
    public static Path onPath(String path, List<String> names) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            for (String name : names) {
                try {
                    Path candidate = Path.of(dir, name);
                    if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                        return candidate;
                    }
                } catch (InvalidPathException e) {
                    // a malformed PATH entry names nothing
                }
            }
        }
        return null;
    }

    private static String relative(Path dir, Path file) {
        return dir.relativize(file).toString();
    }
}
