package dev.taipan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one Python interpreter is and has, as reported by the interpreter itself: its version,
 * implementation and platform, and the installed versions (from the packages' metadata, so
 * nothing slow like DSPy is imported) of the packages a Taipan worker uses.
 */
record PythonPackages(String executable, String version, String implementation, String platform,
                      Map<String, String> installed, String workerLocation) {
    /** The distributions that matter to a worker, in the order they are shown. */
    static final List<String> NAMES = List.of("taipan-worker", "msgpack", "uvloop", "dspy");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    // Plain stdlib (importlib.metadata is 3.8+), one JSON line; a missing package is None.
    private static final String SCRIPT = String.join("\n",
            "import json, platform, sys",
            "from importlib import metadata",
            "def version(name):",
            "    try:",
            "        return metadata.version(name)",
            "    except Exception:",
            "        return None",
            "try:",
            "    import importlib.util, os",
            "    spec = importlib.util.find_spec('taipan_worker')",
            "    where = os.path.dirname(spec.origin) if spec and spec.origin else None",
            "except Exception:",
            "    where = None",
            "print(json.dumps({'executable': sys.executable, 'version': platform.python_version(),",
            "    'implementation': platform.python_implementation(), 'platform': sys.platform,",
            "    'packages': {n: version(n) for n in sys.argv[1:]}, 'worker_location': where}))");

    /** Asks {@code python}; throws {@link IllegalStateException} with the reason if it cannot run. */
    static PythonPackages probe(String python) {
        List<String> command = new java.util.ArrayList<>(List.of(python, "-c", SCRIPT));
        command.addAll(NAMES);
        Procs.Result r = Procs.run(command, TIMEOUT);
        if (!r.ok()) {
            throw new IllegalStateException(r.timedOut() ? "it did not answer within " + TIMEOUT.toSeconds() + " s"
                    : r.output().isBlank() ? "exit status " + r.exitCode() : r.lastLine());
        }
        try {
            JsonNode n = JSON.readTree(r.lastLine());
            Map<String, String> installed = new LinkedHashMap<>();
            for (String name : NAMES) {
                JsonNode v = n.path("packages").path(name);
                installed.put(name, v.isTextual() ? v.asText() : null);
            }
            JsonNode where = n.path("worker_location");
            return new PythonPackages(n.path("executable").asText(), n.path("version").asText(),
                    n.path("implementation").asText(), n.path("platform").asText(), installed,
                    where.isTextual() ? where.asText() : null);
        } catch (IOException e) {
            throw new IllegalStateException("unexpected answer: " + r.lastLine());
        }
    }

    /** The values the environment markers of a requirement are evaluated against. */
    Map<String, String> markerValues() {
        return Map.of("python_version", version.replaceAll("^(\\d+\\.\\d+).*", "$1"), "python_full_version", version,
                "sys_platform", platform, "platform_python_implementation", implementation,
                "implementation_name", implementation.toLowerCase());
    }
}
