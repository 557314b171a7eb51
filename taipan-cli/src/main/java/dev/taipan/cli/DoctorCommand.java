package dev.taipan.cli;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanException;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code taipan doctor}: checks the prerequisites one by one, ending with a real handshake. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check that Taipan can run here: Java, the Python executable and version, the worker "
                + "package and msgpack, DSPy and the worker's DSPy bridge, the packages' versions against the ones this "
                + "Taipan was tested with, and a real handshake with one worker.",
                "Each check prints ok, warn (works, but not as tested) or FAIL (with how to fix it). "
                        + "Exit 0 if nothing failed, 1 otherwise. `taipan env` shows the interpreter and versions alone."})
final class DoctorCommand implements Callable<Integer>, ReportsWorkerFailures {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);
    private static final int PINGS = 50;

    @CommandLine.ParentCommand
    TaipanCli cli;

    private PrintStream out;
    private int failures;

    @Override
    public Integer call() {
        out = System.out;
        PythonChoice choice = cli.pythonChoice();
        String python = choice.executable();

        int java = Runtime.version().feature();
        check(java >= 17, "Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")",
                "Java 17 or newer is required; install a JDK 17+ and put its java on PATH (or set JAVA_HOME).");

        String resolved = resolve(python);
        boolean haveExe = check(resolved != null, "Python executable: " + (resolved == null ? python : resolved)
                        + " (chosen by " + choice.why() + ")",
                "'" + python + "' is not an executable file or on PATH. Run bin/taipan setup to create the "
                        + ".venv, or pass --python /path/to/python3.");
        if (!haveExe) {
            skip("Python version", "imports", "handshake");
            return summary();
        }

        Procs.Result version = Procs.run(List.of(python, "-c",
                "import sys; print('%d.%d.%d' % sys.version_info[:3])"), PROBE_TIMEOUT);
        boolean versionOk = false;
        String pyVersion = version.lastLine();
        if (version.ok()) {
            try {
                int[] v = Arrays.stream(pyVersion.split("\\.")).mapToInt(Integer::parseInt).toArray();
                versionOk = v[0] > 3 || (v[0] == 3 && v[1] >= 9);
            } catch (RuntimeException e) {
                versionOk = false;
            }
            check(versionOk, "Python " + pyVersion,
                    "Python 3.9 or newer is required; pass --python with a newer interpreter "
                            + "(or TAIPAN_PYTHON=python3.X bin/taipan setup after removing .venv).");
        } else {
            check(false, "Python version: running it failed: " + version.lastLine(),
                    "check that '" + python + "' is a working Python interpreter.");
        }
        if (!versionOk) {
            skip("imports", "handshake");
            return summary();
        }

        Procs.Result imports = Procs.run(List.of(python, "-c",
                "import taipan_worker, msgpack; print('taipan_worker %s, msgpack %s' % (taipan_worker.__version__, "
                        + "'.'.join(map(str, msgpack.version))))"), PROBE_TIMEOUT);
        boolean importsOk = check(imports.ok(), "imports: " + (imports.ok() ? imports.lastLine()
                        : "import taipan_worker, msgpack failed: " + imports.lastLine()),
                "install the worker package into this Python: bin/taipan setup (for the project .venv) or "
                        + python + " -m pip install -e " + repoPath("python"));
        if (!importsOk) {
            skip("handshake");
            return summary();
        }

        dspy(python);
        versions(python);
        handshake(python);
        return summary();
    }

    /** DSPy (for {@code taipan demo} and taipan-dspy): the library, then the worker's bridge module. */
    private void dspy(String python) {
        String script = String.join("\n",
                "import sys",
                "try:",
                "    import dspy",
                "except BaseException as e:",
                "    print('DSPY_FAIL %s: %s' % (type(e).__name__, e)); sys.exit(0)",
                "print('DSPY_OK %s' % getattr(dspy, '__version__', '?'))",
                "try:",
                "    import taipan_worker.dspy",
                "except BaseException as e:",
                "    print('BRIDGE_FAIL %s: %s' % (type(e).__name__, e)); sys.exit(0)",
                "print('BRIDGE_OK')");
        long t0 = System.nanoTime();
        Procs.Result r = Procs.run(List.of(python, "-c", script), PROBE_TIMEOUT);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        String out = r.output();
        String fix = "install the worker package with its dspy extra: bin/taipan setup (for the project .venv) or "
                + python + " -m pip install -e '" + repoPath("python") + "[dspy]' (DSPy needs Python 3.10+)";
        String dspyLine = marker(out, "DSPY_");
        if (dspyLine == null || !dspyLine.startsWith("DSPY_OK ")) {
            check(false, "dspy: import dspy failed: " + (dspyLine != null ? dspyLine.substring("DSPY_FAIL ".length())
                    : r.timedOut() ? "timed out after " + PROBE_TIMEOUT.toSeconds() + " s" : r.lastLine()), fix);
            skip("taipan_worker.dspy (the DSPy bridge)");
            return;
        }
        check(true, "dspy " + dspyLine.substring("DSPY_OK ".length()) + " imports", "");
        String bridge = marker(out, "BRIDGE_");
        check("BRIDGE_OK".equals(bridge), "taipan_worker.dspy (the DSPy bridge) " + ("BRIDGE_OK".equals(bridge)
                        ? String.format("imports (dspy and the bridge imported in %d ms)", millis)
                        : "import failed: " + (bridge != null ? bridge.substring("BRIDGE_FAIL ".length())
                        : r.lastLine())), fix);
    }

    /**
     * The versions {@code taipan env} shows, against this Taipan's pins: a differing version
     * is a warning, not a failure (it may well work; it was not tested).
     */
    private void versions(String python) {
        List<PackageCheck> checks;
        try {
            checks = PackageCheck.all(PythonPackages.probe(python), TestedVersions.bundled());
        } catch (RuntimeException e) {
            check(false, "package versions: cannot read them: " + e.getMessage(), "run `taipan env` to see why.");
            return;
        }
        List<String> differing = new java.util.ArrayList<>();
        for (PackageCheck c : checks) {
            if (c.verdict() == PackageCheck.Verdict.DIFFERS) {
                differing.add(c.module() + " " + c.installed() + " (tested: " + c.tested().describe() + ")");
            }
        }
        if (differing.isEmpty()) {
            check(true, "package versions as tested (python/pyproject.toml): " + checks.stream()
                    .filter(c -> c.installed() != null).map(c -> c.module() + " " + c.installed())
                    .collect(java.util.stream.Collectors.joining(", ")), "");
        } else {
            warn("package versions differ from the tested ones: " + String.join(", ", differing),
                    "bin/taipan setup installs the tested versions into the project .venv (`taipan env` lists them).");
        }
    }

    /** The first output line starting with {@code prefix}, or null. */
    private static String marker(String output, String prefix) {
        for (String line : output.split("\n")) {
            if (line.startsWith(prefix)) {
                return line.strip();
            }
        }
        return null;
    }

    private void handshake(String python) {
        PoolConfig config = PoolConfig.builder().name("doctor").python(python).workers(1).slots(1)
                .startTimeout(PROBE_TIMEOUT).callTimeout(PROBE_TIMEOUT).build();
        long startNanos = System.nanoTime();
        try (TaipanPool pool = TaipanPool.start(config)) {
            long startMillis = (System.nanoTime() - startNanos) / 1_000_000;
            Object pong = pool.call("ping");
            if (!"pong".equals(pong)) {
                check(false, "handshake: ping answered " + pong + " instead of pong",
                        "the worker package is not the one this CLI expects; reinstall it (bin/taipan setup).");
                return;
            }
            long[] rtt = new long[PINGS];
            for (int i = 0; i < PINGS; i++) {
                long t0 = System.nanoTime();
                pool.call("ping");
                rtt[i] = System.nanoTime() - t0;
            }
            Arrays.sort(rtt);
            Map<?, ?> info = (Map<?, ?>) pool.call("info");
            List<WorkerInfo> workers = pool.workers();
            String workerId = workers.isEmpty() ? String.valueOf(info.get("worker_id")) : workers.get(0).id();
            check(true, String.format("handshake: worker %s pid %s, %s %s, taipan_worker %s; started in %d ms; "
                            + "ping round trip %.3f ms (median of %d, min %.3f ms)",
                    workerId, info.get("pid"), info.get("implementation"), info.get("python"), info.get("package"),
                    startMillis, rtt[PINGS / 2] / 1e6, PINGS, rtt[0] / 1e6), "");
        } catch (TaipanException e) {
            check(false, "handshake: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
                    "the worker's stderr above says why; run with -v (or -vv) for the pool's log.");
        } catch (RuntimeException e) {
            check(false, "handshake: unexpected " + e,
                    "this is a bug in Taipan; run with -vv and report it.");
        }
    }

    private boolean check(boolean ok, String what, String fix) {
        out.println((ok ? "ok    " : "FAIL  ") + what.replace("\n", "\n      "));
        if (!ok) {
            failures++;
            out.println("      fix: " + fix);
        }
        out.flush();
        return ok;
    }

    /** Works, but not as tested: said, with a fix, and not counted as a failure. */
    private void warn(String what, String fix) {
        out.println("warn  " + what.replace("\n", "\n      "));
        out.println("      fix: " + fix);
        out.flush();
    }

    private void skip(String... checks) {
        for (String c : checks) {
            out.println("FAIL  " + c + ": not checked (an earlier check failed)");
            failures++;
        }
    }

    private int summary() {
        out.println(failures == 0 ? "all checks passed" : failures + " check(s) failed");
        return failures == 0 ? 0 : 1;
    }

    /** The absolute path of an executable given as a path or a name on PATH, or null. */
    static String resolve(String exe) {
        if (exe.contains(File.separator)) {
            Path p = Path.of(exe);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p.toAbsolutePath().toString() : null;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static String repoPath(String relative) {
        Path home = TaipanCli.home();
        return home == null ? "<taipan repo>/" + relative : home.resolve(relative).toString();
    }
}
