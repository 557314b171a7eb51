package dev.taipan.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code taipan env}: which Python the CLI runs workers with and why, and the versions of the
 * packages that matter next to the ones this Taipan was tested with. It reports and does not
 * judge (exit 0 whenever the interpreter answers); {@code taipan doctor} judges, and warns about
 * the same differing versions.
 */
@Command(name = "env", mixinStandardHelpOptions = true, subcommands = EnvProvisionCommand.class,
        description = {"Show the Python interpreter the CLI uses (and what chose it: --python, $TAIPAN_PYTHON_EXEC,"
                + " the project .venv, or python3 from PATH), its version, and the installed versions of"
                + " taipan_worker, msgpack, uvloop and dspy next to the versions this Taipan was tested with"
                + " (the pins of python/pyproject.toml).",
                "Exit 0 if the interpreter answered, 1 if it could not be run. `taipan doctor` checks more.",
                "`taipan env provision --dir DIR ...` makes an environment (bin/taipan setup makes .venv with it)."})
final class EnvCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.ParentCommand
    TaipanCli cli;

    @Option(names = "--json", description = "Print it as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws JsonProcessingException {
        PrintStream out = System.out;
        PythonChoice choice = cli.pythonChoice();
        PythonPackages python;
        try {
            python = PythonPackages.probe(choice.executable());
        } catch (IllegalStateException e) {
            System.err.println("error: cannot run " + choice.executable() + " (chosen by " + choice.why() + "): "
                    + e.getMessage());
            System.err.println("hint: bin/taipan setup creates the project .venv; --python PATH picks another interpreter");
            return 1;
        }
        List<PackageCheck> checks = PackageCheck.all(python, TestedVersions.bundled());
        if (json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(choice, python, checks)));
            return 0;
        }
        out.println("python       " + choice.executable());
        if (!python.executable().equals(choice.executable())) {
            out.println("  resolves to " + python.executable());
        }
        out.println("  chosen by  " + choice.why());
        out.println("  version    " + python.version() + " (" + python.implementation() + ", " + python.platform() + ")");
        out.println("packages     installed  as tested?       tested with (python/requirements-lock.txt; the range: python/pyproject.toml)");
        for (PackageCheck c : checks) {
            out.printf("  %-14s %-10s %-16s %s%n", c.module(), c.installed() == null ? "-" : c.installed(),
                    c.verdict().word, c.tested() == null ? "(not pinned)" : c.tested().describe());
        }
        if (python.workerLocation() != null) {
            out.println("taipan_worker from " + python.workerLocation());
        }
        return 0;
    }

    private static ObjectNode toJson(PythonChoice choice, PythonPackages python, List<PackageCheck> checks) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode py = root.putObject("python");
        py.put("executable", choice.executable());
        py.put("resolved", python.executable());
        py.put("chosen_by", choice.why());
        py.put("version", python.version());
        py.put("implementation", python.implementation());
        py.put("platform", python.platform());
        ObjectNode packages = root.putObject("packages");
        for (PackageCheck c : checks) {
            ObjectNode p = packages.putObject(c.module());
            p.put("installed", c.installed());
            p.put("tested", c.tested() == null ? null : c.tested().describe());
            p.put("verdict", c.verdict().name().toLowerCase());
        }
        root.put("taipan_worker_location", python.workerLocation());
        return root;
    }
}
