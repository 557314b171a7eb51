package dev.taipan.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Python executable the CLI runs workers with, and why that one: the first of
 * {@code --python}, {@code $TAIPAN_PYTHON_EXEC}, the project venv
 * {@code $TAIPAN_HOME/.venv/bin/python} (bin/taipan sets {@code TAIPAN_HOME}) if it exists,
 * and {@code python3} from {@code PATH}. {@code taipan env} and {@code taipan doctor} print
 * {@link #why()}, so a surprising interpreter can be traced to its cause.
 */
record PythonChoice(String executable, String why) {
    /** Set by bin/taipan to the repository root. */
    static final String HOME_ENV = "TAIPAN_HOME";
    /** The interpreter to use, when set; overridden by --python. */
    static final String PYTHON_ENV = "TAIPAN_PYTHON_EXEC";

    static PythonChoice of(String option, Map<String, String> env) {
        if (option != null && !option.isBlank()) {
            return new PythonChoice(option, "--python");
        }
        String exec = env.get(PYTHON_ENV);
        if (exec != null && !exec.isBlank()) {
            return new PythonChoice(exec, "$" + PYTHON_ENV);
        }
        Path home = home(env);
        if (home != null) {
            Path venv = home.resolve(".venv/bin/python");
            if (Files.isExecutable(venv)) {
                return new PythonChoice(venv.toString(), "the project venv ($" + HOME_ENV + "/.venv)");
            }
        }
        return new PythonChoice("python3", "the default: python3 from PATH (no --python, no $" + PYTHON_ENV
                + (home == null ? ", no $" + HOME_ENV : ", no " + home.resolve(".venv")) + ")");
    }

    /** The repository root from $TAIPAN_HOME, or null. */
    static Path home(Map<String, String> env) {
        String home = env.get(HOME_ENV);
        return home == null || home.isBlank() ? null : Path.of(home);
    }
}
