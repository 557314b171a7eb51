package dev.taipan.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.taipan.CallOptions;
import dev.taipan.PoolConfig;
import dev.taipan.TaipanException;
import dev.taipan.TaipanPool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code taipan call MODULE:FUNCTION [JSON_ARGS]}: one call in a one-worker pool. */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = {"Start a one-worker pool, call one Python function, print its result as JSON on stdout.",
                "Exit 0 on success; on failure the error type, message and Python traceback go to stderr "
                        + "and the exit code is 1."},
        footer = {"", "JSON_ARGS: an object is passed as keyword arguments, an array as positional",
                "arguments, any other JSON value as the single positional argument.",
                "Bytes in the result print as base64 strings.",
                "", "Examples:",
                "  taipan call ping",
                "  taipan call echo '{\"value\": [1, 2, 3]}'",
                "  taipan call taipan_testing.functions:add '[2, 3]'",
                "  taipan call mypkg.handlers:score '{\"text\": \"hi\"}' --pythonpath src --timeout 5"})
final class CallCommand implements Callable<Integer>, ReportsWorkerFailures {
    /** A start slower than this gets a spinner (on a terminal): e.g. a module that imports for seconds. */
    static final Duration SPINNER_AFTER = Duration.ofSeconds(1);

    @CommandLine.ParentCommand
    TaipanCli cli;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FUNCTION",
            description = "module:function of an @function in an allow-listed module, or a built-in "
                    + "(ping, info, echo, sleep).")
    String function;

    @Parameters(index = "1", paramLabel = "JSON_ARGS", arity = "0..1",
            description = "Arguments as JSON (default: none).")
    String jsonArgs;

    @Option(names = "--modules", split = ",", paramLabel = "MODULE",
            description = "Modules to allow-list, comma-separated (default: the MODULE part of FUNCTION).")
    List<String> modules;

    @Option(names = "--pythonpath", split = ":", paramLabel = "DIR",
            description = "Directories to prepend to the worker's PYTHONPATH (repeatable, or ':'-separated).")
    List<Path> pythonPath = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Call timeout in seconds, queueing included (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--pretty", description = "Pretty-print the JSON result.")
    boolean pretty;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        PrintStream err = System.err;
        Object args;
        try {
            args = jsonArgs == null ? null : Json.parseArgs(jsonArgs);
        } catch (JsonProcessingException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "JSON_ARGS is not valid JSON: " + e.getOriginalMessage());
        }
        if (timeoutSeconds <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be positive");
        }
        Duration timeout = Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));
        List<String> allow = modules;
        if (allow == null) {
            int colon = function.indexOf(':');
            allow = colon > 0 ? List.of(function.substring(0, colon)) : List.of();
        }
        PoolConfig config;
        try {
            config = PoolConfig.builder()
                    .name("call")
                    .python(cli.python())
                    .modules(allow)
                    .pythonPath(pythonPath.toArray(Path[]::new))
                    .workers(1)
                    .slots(1)
                    .callTimeout(timeout)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (TaipanPool pool = start(config)) {
            Object result = pool.call(function, args, CallOptions.timeout(timeout));
            out.println(Json.write(result, pretty));
            out.flush();
            return 0;
        } catch (TaipanException e) {
            Errors.print(e, err);
            return 1;
        } catch (JsonProcessingException e) {
            err.println("error: the result cannot be written as JSON: " + e.getOriginalMessage());
            return 1;
        }
    }

    private static TaipanPool start(PoolConfig config) {
        String what = config.modules().isEmpty() ? "starting a Python worker"
                : "starting a Python worker (importing " + String.join(", ", config.modules()) + ")";
        try (Spinner spinner = Spinner.onStderr(what, SPINNER_AFTER)) {
            return TaipanPool.start(config);
        }
    }
}
