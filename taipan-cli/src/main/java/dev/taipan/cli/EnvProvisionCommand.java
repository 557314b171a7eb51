package dev.taipan.cli;

import dev.taipan.PythonEnvironment;
import dev.taipan.PythonEnvironmentException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code taipan env provision}: makes (or finds up to date) a Python environment in a given
 * directory through {@link PythonEnvironment#provisioned()}, the code pools use for their
 * managed environments. {@code bin/taipan setup} makes the project's {@code .venv} with it.
 * The provisioner's progress is shown (its INFO lines, see {@link Logging#configure}), with a
 * spinner on a terminal while an installer runs.
 */
@Command(name = "provision", mixinStandardHelpOptions = true,
        description = {"Make a Python environment in DIR (or check that it is up to date) the way Taipan provisions "
                + "managed environments: a venv from the base interpreter with the worker runtime, msgpack, uvloop "
                + "where it installs, the requirements and the editable projects. Rebuilt when any of those change; "
                + "a non-empty DIR that is neither a Taipan environment nor a venv is never deleted.",
                "Prints the environment's python on stdout. Exit 0 when it is ready, 1 when it could not be made."})
final class EnvProvisionCommand implements Callable<Integer> {
    /** {@code path} or {@code path[extra,extra]}, as pip takes it. */
    private static final Pattern EDITABLE = Pattern.compile("(.+?)(?:\\[([^\\]]*)\\])?");

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The environment's directory.")
    Path dir;

    @Option(names = "--base", paramLabel = "PYTHON",
            description = "The interpreter the venv is made from (default: the one Taipan detects).")
    Path base;

    @Option(names = {"-r", "--requirements-file"}, paramLabel = "FILE",
            description = "A pip requirements file, such as a lock file (its contents are part of the key).")
    Path requirementsFile;

    @Option(names = {"-e", "--editable"}, paramLabel = "PROJECT[EXTRAS]",
            description = "A local project installed with pip -e, such as 'python[test,dspy]'; repeatable.")
    List<String> editables = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "1200",
            description = "The longest one install step may take (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Parameters(paramLabel = "REQUIREMENT", arity = "0..*", description = "Requirements in pip's form (dspy==3.0.3).")
    List<String> requirements = new ArrayList<>();

    @Override
    public Integer call() {
        PythonEnvironment env;
        try {
            PythonEnvironment.Builder b = PythonEnvironment.provisioned().directory(dir).requirements(requirements)
                    .timeout(Duration.ofSeconds(timeoutSeconds));
            if (base != null) {
                b.baseInterpreter(base);
            }
            if (requirementsFile != null) {
                b.requirementsFile(requirementsFile);
            }
            for (String editable : editables) {
                Matcher m = EDITABLE.matcher(editable.strip());
                if (!m.matches()) {
                    System.err.println("error: --editable " + editable + " is not PROJECT or PROJECT[EXTRA,...]");
                    return 2;
                }
                String extras = m.group(2) == null ? "" : m.group(2).strip();
                b.editable(Path.of(m.group(1)), extras.isEmpty() ? new String[0] : extras.split("\\s*,\\s*"));
            }
            env = b.build();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        PythonEnvironment.Resolved resolved;
        try (Spinner ignored = Spinner.onStderr("provisioning " + dir, Duration.ofSeconds(1))) {
            resolved = env.resolve();
        } catch (PythonEnvironmentException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        }
        System.err.println("taipan: " + resolved.description());
        System.out.println(resolved.command().get(0));
        return 0;
    }
}
