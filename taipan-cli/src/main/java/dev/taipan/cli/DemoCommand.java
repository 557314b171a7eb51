package dev.taipan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.PoolConfig;
import dev.taipan.PoolStats;
import dev.taipan.TaipanException;
import dev.taipan.TaipanPool;
import dev.taipan.WorkerLostException;
import dev.taipan.cli.WorkerKiller.Killed;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Evaluation;
import dev.taipan.dspy.Example;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Lm;
import dev.taipan.dspy.LmException;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Metric;
import dev.taipan.dspy.Optimizer;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code taipan demo}: the main job. A DSPy pipeline (classify, extract, answer with
 * ChainOfThought) over the bundled support tickets, run concurrently on a pool of workers, one
 * of which is SIGKILLed halfway; then an evaluation, BootstrapFewShot, and the optimized
 * program saved as DSPy JSON. Against the local LM server by default, or a real model with
 * {@code --model}. {@code taipan demo pool} is the plain pool demo ({@link PoolDemoCommand}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = {PoolDemoCommand.class},
        description = {"Run the Taipan DSPy demo: a DSPy pipeline (classify a support ticket, extract its product and "
                + "order id, answer it with ChainOfThought) over the bundled dataset of 300 tickets, run concurrently on "
                + "a pool of Python workers, one of them SIGKILLed halfway (its runs are retried, nothing is lost); "
                + "then the classifier is evaluated, optimized with BootstrapFewShot, evaluated again, and saved as "
                + "DSPy JSON.",
                "By default the LM is Taipan's local LM server, whose answers are placeholders (no model, no network, "
                + "no key). With --model (and --api-key-env or --base-url) the same demo runs against a real model.",
                "Exit 0 only if no record was lost, every record got a valid category, and the pool healed.",
                "`taipan demo pool` runs the pool demo without DSPy (a burst of plain calls, a SIGKILL, sessions)."},
        footer = {"", "Examples:",
                "  taipan demo",
                "  taipan demo --records 60 --latency-ms 0",
                "  taipan demo --model openai/gpt-4o-mini --api-key-env OPENAI_API_KEY",
                "  taipan demo --model ollama_chat/llama3.2 --base-url http://localhost:11434",
                "  taipan demo --model openai/my-model --base-url http://localhost:8000/v1",
                "  taipan demo pool"})
final class DemoCommand implements Callable<Integer> {
    static final String DATASET = "/dev/taipan/cli/demo/tickets.jsonl";
    static final List<String> CATEGORIES = List.of("account", "billing", "returns", "shipping", "technical");
    static final List<String> PRIORITIES = List.of("high", "normal");
    private static final int MAX_ATTEMPTS = 5;
    private static final Duration HEAL_DEADLINE = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.ParentCommand
    TaipanCli cli;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--records", defaultValue = "300", paramLabel = "N",
            description = "Tickets to run the pipeline on, from the bundled 300 (default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--concurrency", defaultValue = "16", paramLabel = "N",
            description = "Pipeline runs in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--workers", defaultValue = "4", paramLabel = "N", description = "Python worker processes (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--slots", defaultValue = "4", paramLabel = "N",
            description = "Runs each worker serves at once (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--trainset", defaultValue = "40", paramLabel = "N",
            description = "Tickets (the first N) given to BootstrapFewShot (default: ${DEFAULT-VALUE}).")
    int trainSize;

    @Option(names = "--devset", defaultValue = "60", paramLabel = "N",
            description = "Tickets (the N after the trainset) the classifier is evaluated on (default: ${DEFAULT-VALUE}).")
    int devSize;

    @Option(names = "--latency-ms", defaultValue = "30", paramLabel = "MS",
            description = "Simulated latency per request of the local LM server (default: ${DEFAULT-VALUE}).")
    int latencyMs;

    @Option(names = "--model", paramLabel = "MODEL",
            description = "A real model, as a LiteLLM model string (e.g. openai/gpt-4o-mini, anthropic/claude-3-5-haiku-latest,"
                    + " ollama_chat/llama3.2). The local LM server is then not started.")
    String model;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "Environment variable holding the model's API key (default: none; LiteLLM then looks up its "
                    + "usual variable, e.g. OPENAI_API_KEY). The key is never printed.")
    String apiKeyEnv;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "Base URL of an OpenAI-compatible server or Ollama (e.g. http://localhost:11434); needs --model.")
    String baseUrl;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Where to save the optimized program's JSON and the predictions "
                    + "(default: target/taipan-demo under the current directory, or a temporary directory).")
    Path out;

    private Console console;
    private DemoReport report;

    // Pipeline results, written by the runner threads.
    private Ticket[] tickets;
    private Prediction[] predictions;
    private long[] latencyNanos;
    private final LongAdder ok = new LongAdder();
    private final LongAdder retriedRecords = new LongAdder();
    private final WorkerLosses workerFailures = new WorkerLosses();
    private final LongAdder lmRetries = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final LongAdder invalid = new LongAdder();
    private final Map<String, Integer> lostTypes = new ConcurrentHashMap<>();
    private final AtomicReference<String> firstProblem = new AtomicReference<>();

    /** One record of the bundled dataset. */
    record Ticket(long id, String ticket, String category, String priority, String product, String orderId) {
        Example example() {
            return Example.of(Map.of("ticket", ticket), Map.of("category", category, "priority", priority));
        }
    }

    @Override
    public Integer call() {
        List<Ticket> dataset;
        try {
            dataset = loadDataset();
        } catch (RuntimeException e) {
            System.err.println("demo: cannot read the bundled dataset " + DATASET + ": " + e.getMessage());
            return 1;
        }
        String problem = checkOptions(dataset.size());
        if (problem != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), problem);
        }
        long demoStart = System.nanoTime();
        console = StatusLine.stderrIsTerminal() ? Console.terminal() : Console.plain();
        report = new DemoReport(console);
        try {
            return run(dataset, demoStart);
        } finally {
            console.close();
        }
    }

    private String checkOptions(int available) {
        if (records < 2 || records > available) {
            return "--records must be between 2 and " + available + " (the bundled dataset's size), got " + records;
        }
        if (concurrency < 1 || slots < 1) {
            return "--concurrency and --slots must be positive";
        }
        if (workers < 2) {
            return "--workers must be at least 2 (one is killed halfway)";
        }
        if (trainSize < 1 || devSize < 1 || trainSize + devSize > available) {
            return "--trainset and --devset must be positive and together at most " + available;
        }
        if (latencyMs < 0) {
            return "--latency-ms must be >= 0";
        }
        if (baseUrl != null && model == null) {
            return "--base-url needs --model: e.g. --model openai/<name> for an OpenAI-compatible server, "
                    + "--model ollama_chat/<name> for Ollama";
        }
        if (model == null && apiKeyEnv != null) {
            return "--api-key-env needs --model (the local LM server needs no key)";
        }
        if (apiKeyEnv != null && (System.getenv(apiKeyEnv) == null || System.getenv(apiKeyEnv).isBlank())) {
            return "--api-key-env " + apiKeyEnv + ": that environment variable is not set";
        }
        return null;
    }

    static List<Ticket> loadDataset() {
        InputStream in = DemoCommand.class.getResourceAsStream(DATASET);
        if (in == null) {
            throw new IllegalStateException("not on the classpath");
        }
        List<Ticket> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                out.add(new Ticket(n.path("id").asLong(), n.path("ticket").asText(), n.path("category").asText(),
                        n.path("priority").asText(), n.path("product").asText(), n.path("order_id").asText()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private int run(List<Ticket> dataset, long demoStart) {
        String python = cli.python();
        boolean local = model == null;
        report.say("Taipan DSPy demo: %d support tickets through a DSPy pipeline on %d Python workers x %d slots", records,
                workers, slots);
        report.say("  pipeline: classify (Predict -> category, priority) -> extract (Predict -> product, order_id)"
                + " -> answer (ChainOfThought -> reply)");
        report.say("  python=%s", python);
        LocalLmServer server = null;
        try {
            Lm lm;
            long t0 = System.nanoTime();
            if (local) {
                server = LocalLmServer.start(python, latencyMs);
                lm = server.lm();
                report.say("1. local LM server ready in %d ms at %s (simulated latency %d ms per request)", DemoReport.millisSince(t0),
                        server.url(), latencyMs);
                report.say("   NOTE: the local LM server is not a model. Its answers are PLACEHOLDERS of the right type:");
                report.say("   labels are guessed (from the nearest few-shot demo when the prompt has demos), text fields say");
                report.say("   \"Placeholder ...\". Run with --model (e.g. --model openai/gpt-4o-mini) for real answers.");
            } else {
                lm = Lm.of(model).timeout(Duration.ofSeconds(120));
                if (apiKeyEnv != null) {
                    lm = lm.apiKeyFromEnv(apiKeyEnv);
                }
                if (baseUrl != null) {
                    lm = lm.apiBase(baseUrl);
                }
                report.say("1. LM: %s (a real model: answers, scores and timings are its own)", lm);
            }
            PoolConfig config = PoolConfig.builder()
                    .name("demo")
                    .python(python)
                    .modules("taipan_worker.dspy")
                    .workers(workers)
                    .slots(slots)
                    .startTimeout(Duration.ofSeconds(180))
                    .callTimeout(Duration.ofSeconds(local ? 60 : 300))
                    .acquireTimeout(Duration.ofMinutes(5))
                    .drainTimeout(Duration.ofSeconds(5))
                    .env("TQDM_DISABLE", "1") // no progress bars from DSPy's optimizers in the log
                    .build();
            long poolStart = System.nanoTime();
            try (TaipanPool pool = startPool(config)) {
                Dspy dspy = Dspy.on(pool).lm(lm);
                report.say("   pool ready in %d ms (each worker imports DSPy %s): %s", DemoReport.millisSince(poolStart),
                        dspy.dspyVersion(), WorkerKiller.describe(pool.workers()));
                return runDemo(pool, dspy, dataset, local, demoStart);
            }
        } catch (TaipanException e) {
            console.println("demo failed:");
            Errors.print(e, System.err);
            if (e instanceof dev.taipan.PoolStartException || e.getMessage().contains("DSPy bridge")) {
                System.err.println("hint: the workers need DSPy and taipan_worker.dspy: `bin/taipan doctor` checks them,"
                        + " `bin/taipan setup` installs them (the worker package's dspy extra)");
            }
            return 1;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    /** The pool, with a spinner while its workers import DSPy (seconds, the demo's slowest wait). */
    private TaipanPool startPool(PoolConfig config) {
        try (Spinner spinner = Spinner.on(console, "starting " + workers + " Python workers: importing DSPy",
                CallCommand.SPINNER_AFTER)) {
            return TaipanPool.start(config);
        }
    }

    private int runDemo(TaipanPool pool, Dspy dspy, List<Ticket> dataset, boolean local, long demoStart) {
        Program classify = dspy.predict(Signature.builder()
                .instructions("Classify a customer support ticket: what it is about, and how urgent it is.")
                .input("ticket", FieldType.STR, "the customer's message")
                .output("category", FieldType.oneOf(CATEGORIES.toArray(new String[0])), "what the ticket is about")
                .output("priority", FieldType.oneOf(PRIORITIES.toArray(new String[0])),
                        "high if the customer says it is urgent, else normal")
                .build());
        Program extract = dspy.predict(Signature.builder()
                .instructions("Extract the product and the order id the ticket mentions.")
                .input("ticket", FieldType.STR, "the customer's message")
                .output("product", FieldType.STR, "the product's name as written in the ticket; empty if none")
                .output("order_id", FieldType.STR, "the order id, like ORD-12345; empty if none")
                .build());
        Program answer = dspy.chainOfThought(Signature.builder()
                .instructions("Write a short, polite reply to the customer that addresses the ticket.")
                .input("ticket", FieldType.STR, "the customer's message")
                .input("category", FieldType.STR, "what the ticket is about")
                .output("reply", FieldType.STR, "the reply to send, two or three sentences")
                .build());
        Program pipeline = dspy.composite()
                .step("classify", classify, Map.of("ticket", "input.ticket"))
                .step("extract", extract, Map.of("ticket", "input.ticket"))
                .step("answer", answer, Map.of("ticket", "input.ticket", "category", "classify.category"))
                .output("category", "classify.category")
                .output("priority", "classify.priority")
                .output("product", "extract.product")
                .output("order_id", "extract.order_id")
                .output("reply", "answer.reply")
                .build();
        List<Example> trainset = dataset.subList(0, trainSize).stream().map(Ticket::example).toList();
        List<Example> devset = dataset.subList(trainSize, trainSize + devSize).stream().map(Ticket::example).toList();

        // 2-3. The pipeline over the records, with a SIGKILL halfway.
        report.say("2. running the pipeline on %d tickets, %d at a time (3 LM calls each); one worker gets SIGKILL halfway",
                records, concurrency);
        tickets = dataset.subList(0, records).toArray(new Ticket[0]);
        long runStart = System.nanoTime();
        Killed killed = runAll(pool, pipeline);
        long runNanos = System.nanoTime() - runStart;
        reportFailures(killed, local);

        // 4. Healing.
        boolean healed = awaitHealed(pool, killed);

        // 5-6. Evaluate the classifier, optimize it, evaluate again.
        Metric metric = Metric.exactMatch("category");
        long t0 = System.nanoTime();
        Evaluation before = classify.evaluate(devset, metric);
        report.say("5. evaluated the classify step on the devset (%d tickets, exact match on category): %.2f%% in %d ms",
                devSize, before.score(), DemoReport.millisSince(t0));
        t0 = System.nanoTime();
        Program optimized = classify.optimize(Optimizer.bootstrapFewShot(4, 4), trainset, metric);
        long optimizeMillis = DemoReport.millisSince(t0);
        int demos = countDemos(optimized.state());
        t0 = System.nanoTime();
        Evaluation after = optimized.evaluate(devset, metric);
        report.say("6. BootstrapFewShot (up to 4 bootstrapped + 4 labeled demos, trainset of %d) in %d ms: %d demos", trainSize,
                optimizeMillis, demos);
        report.say("   classify on the devset: %.2f%% before -> %.2f%% after (evaluated in %d ms)", before.score(),
                after.score(), DemoReport.millisSince(t0));
        if (local) {
            report.say("   (the local server guesses labels from the nearest demo in the prompt, so demos raise its score;"
                    + " with --model the scores are the model's)");
        }

        // 7. Save.
        Path dir = outputDir();
        Path saved = dir.resolve("classify-optimized.json");
        Path predictionsFile = dir.resolve("predictions.jsonl");
        optimized.save(saved);
        writePredictions(predictionsFile);
        report.say("7. saved the optimized classifier as DSPy JSON (in Python: dspy.Predict(\"ticket -> category, priority\")"
                + ".load(path)) to");
        report.say("   %s", saved);
        report.say("   and every record's prediction to %s", predictionsFile);

        PoolStats stats = pool.stats();
        return summary(stats, runNanos, demoStart, healed, before, after, saved);
    }

    private Killed runAll(TaipanPool pool, Program pipeline) {
        predictions = new Prediction[records];
        latencyNanos = new long[records];
        Burst burst = new Burst(records, concurrency, "demo-runner");
        return burst.run(n -> runOne(pipeline, n), () -> killOne(pool, burst), Duration.ofMinutes(30), console,
                Duration.ofSeconds(2), (done, elapsed) -> progressLine(pool, done, elapsed));
    }

    /** Record n through the pipeline; retried if its worker is lost or the LM says try again. */
    private void runOne(Program pipeline, int n) {
        Ticket t = tickets[n];
        long t0 = System.nanoTime();
        boolean retried = false;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try {
                Prediction p = pipeline.run(Map.of("ticket", t.ticket()));
                latencyNanos[n] = System.nanoTime() - t0;
                predictions[n] = p;
                ok.increment();
                if (retried) {
                    retriedRecords.increment();
                }
                if (!valid(p)) {
                    invalid.increment();
                    firstProblem.compareAndSet(null, "ticket " + t.id() + ": invalid prediction " + p);
                }
                return;
            } catch (WorkerLostException e) {
                // The worker died with this run in flight. A DSPy run here only reads its input and
                // calls the LM, so running it again is safe: the demo (not the pool) retries it.
                workerFailures.add(e);
                retried = true;
            } catch (LmException e) {
                if (!e.retryable() || attempt == MAX_ATTEMPTS) {
                    lose(t, e);
                    return;
                }
                lmRetries.increment();
                retried = true;
                pause(500L << Math.min(attempt, 5)); // a rate limit or server error: back off
            } catch (RuntimeException e) {
                lose(t, e);
                return;
            }
        }
        lose(t, new IllegalStateException("failed " + MAX_ATTEMPTS + " times"));
    }

    private void lose(Ticket t, RuntimeException e) {
        lost.increment();
        lostTypes.merge(e.getClass().getSimpleName(), 1, Integer::sum);
        firstProblem.compareAndSet(null, "ticket " + t.id() + " failed: " + e.getClass().getSimpleName() + ": "
                + WorkerLosses.firstLine(e.getMessage()));
    }

    private static boolean valid(Prediction p) {
        return CATEGORIES.contains(p.outputs().get("category")) && PRIORITIES.contains(p.outputs().get("priority"))
                && p.outputs().get("reply") instanceof String s && !s.isBlank();
    }

    /** SIGKILLs the ready worker with the most runs in flight. */
    private Killed killOne(TaipanPool pool, Burst burst) {
        Killed killed = WorkerKiller.killBusiest(pool);
        if (killed == null) {
            report.say("   (no ready worker to kill)");
            return null;
        }
        report.say("   halfway (%d/%d done): SIGKILL -> %s", burst.done(), records, killed.describe("pipeline runs"));
        return killed;
    }

    private void reportFailures(Killed killed, boolean local) {
        long failures = workerFailures.count();
        if (failures > 0) {
            report.say("3. %d run(s) in flight on the killed worker failed with a typed exception: %s", failures,
                    workerFailures.types());
            report.say("     e.g. %s", workerFailures.example());
            report.say("   the demo retried them: a run of this pipeline only reads its ticket and calls the LM, so it is"
                    + " idempotent. Taipan never retries by itself.");
            report.say("   the retries ran on the other workers, which fetched the program from Java: workers only cache"
                    + " programs, so a dead worker loses none.");
        } else if (killed != null) {
            report.say("3. no run was in flight on the killed worker at that instant, so nothing needed a retry");
        } else {
            report.say("3. no worker was killed");
        }
        if (lmRetries.sum() > 0) {
            report.say("   %d LM failure(s) said to try again later (rate limit, server error, timeout): retried with backoff",
                    lmRetries.sum());
        }
        long complete = Arrays.stream(predictions).filter(Objects::nonNull).count();
        report.say("   every record accounted for: %d/%d with a prediction, %d retried, %d lost, %d invalid", complete,
                records, retriedRecords.sum(), lost.sum(), invalid.sum());
        if (!lostTypes.isEmpty()) {
            report.say("   lost by error type: %s", lostTypes);
        }
        if (firstProblem.get() != null) {
            report.say("   first problem: %s", firstProblem.get());
        }
        // What the pipeline said, and how it compares with the dataset's labels.
        int n = 0;
        int category = 0;
        int priority = 0;
        int product = 0;
        int orderId = 0;
        for (int i = 0; i < records; i++) {
            Prediction p = predictions[i];
            if (p == null) {
                continue;
            }
            Ticket t = tickets[i];
            n++;
            category += t.category().equals(p.outputs().get("category")) ? 1 : 0;
            priority += t.priority().equals(p.outputs().get("priority")) ? 1 : 0;
            product += same(t.product(), p.outputs().get("product")) ? 1 : 0;
            orderId += same(t.orderId(), p.outputs().get("order_id")) ? 1 : 0;
        }
        if (n > 0) {
            report.say("   agreement with the dataset's labels: category %s, priority %s, product %s, order_id %s%s",
                    pct(category, n), pct(priority, n), pct(product, n), pct(orderId, n),
                    local ? " (placeholder answers: about chance for labels, 0% for extraction)" : "");
        }
        for (int i = 0; i < records; i++) {
            if (predictions[i] != null) {
                Prediction p = predictions[i];
                report.say("   e.g. ticket %d: \"%s\"", tickets[i].id(), abbreviate(tickets[i].ticket(), 90));
                report.say("        -> category=%s priority=%s product=%s order_id=%s", p.outputs().get("category"),
                        p.outputs().get("priority"), quoted(p.outputs().get("product"), 40),
                        quoted(p.outputs().get("order_id"), 40));
                report.say("        -> reply=%s", quoted(p.outputs().get("reply"), 100));
                break;
            }
        }
    }

    private static boolean same(String expected, Object got) {
        return got instanceof String s && s.strip().equalsIgnoreCase(expected.strip());
    }

    private boolean awaitHealed(TaipanPool pool, Killed killed) {
        WorkerKiller.Healing healing = WorkerKiller.awaitHealed(pool, workers, killed, HEAL_DEADLINE);
        report.say("4. %s", healing.describe("run"));
        return healing.healed();
    }

    private Path outputDir() {
        Path dir = out != null ? out : Path.of("target", "taipan-demo");
        try {
            Files.createDirectories(dir);
            if (Files.isWritable(dir)) {
                return dir.toAbsolutePath();
            }
        } catch (IOException e) {
            if (out != null) {
                throw new UncheckedIOException("cannot create --out " + out, e);
            }
        }
        if (out != null) {
            throw new IllegalStateException("--out " + out + " is not writable");
        }
        try {
            return Files.createTempDirectory("taipan-demo-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory", e);
        }
    }

    private void writePredictions(Path file) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < records; i++) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("id", tickets[i].id());
            line.put("expected", Map.of("category", tickets[i].category(), "priority", tickets[i].priority(),
                    "product", tickets[i].product(), "order_id", tickets[i].orderId()));
            line.put("prediction", predictions[i] == null ? null : predictions[i].outputs());
            line.put("latency_ms", predictions[i] == null ? null : Math.round(latencyNanos[i] / 1e5) / 10.0);
            try {
                sb.append(JSON.writeValueAsString(line)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            Files.writeString(file, sb.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Writes the program's state like Python's {@code module.save("x.json")}: DSPy's
     * {@code Module.load} also wants {@code metadata.dependency_versions}, which a state taken
     * with {@code dump_state()} (what {@link Program#state()} returns) lacks.
     */
    static int countDemos(String stateJson) {
        try {
            int n = 0;
            for (JsonNode d : JSON.readTree(stateJson).findValues("demos")) {
                n += d.size();
            }
            return n;
        } catch (IOException e) {
            return -1;
        }
    }

    private int summary(PoolStats stats, long runNanos, long demoStart, boolean healed, Evaluation before,
                        Evaluation after, Path saved) {
        long[] sorted = Latencies.completed(latencyNanos);
        double seconds = runNanos / 1e9;
        boolean success = lost.sum() == 0 && invalid.sum() == 0 && ok.sum() == records && healed;
        report.summary();
        report.row("records", "%d/%d with a prediction%s", ok.sum(), records,
                invalid.sum() == 0 ? " (every category valid)" : " (" + invalid.sum() + " INVALID)");
        report.row("retried", "%d record(s) after %d worker loss(es)%s%s", retriedRecords.sum(),
                workerFailures.count(), workerFailures.count() == 0 ? "" : " (DSPy runs are idempotent here)",
                lmRetries.sum() == 0 ? "" : ", " + lmRetries.sum() + " retryable LM failure(s)");
        report.row("lost", "%d", lost.sum());
        report.row("throughput", "%.1f records/s (%.0f LM calls/s)", records / seconds, 3 * records / seconds);
        report.latencyRow("latency p50 / p99", sorted, 0, " per record (3 LM calls; retries included)");
        int cold = Math.min(concurrency, records / 2);
        long[] warm = Latencies.completed(latencyNanos, cold, records);
        report.latencyRow("  warm p50 / p99", warm, 0, " (without the first " + cold + " runs, which are cold:"
                + " each worker builds the program and its LM client)");
        report.row("worker restarts", "%d%s", stats.workersReplaced(), healed ? " (pool healed)" : " (pool NOT healed)");
        report.row("classify devset score", "%.2f%% before -> %.2f%% after BootstrapFewShot", before.score(),
                after.score());
        report.row("saved", "%s", saved);
        report.row("total time", "%.1f s", (System.nanoTime() - demoStart) / 1e9);
        return report.verdict(success);
    }

    private String progressLine(TaipanPool pool, int n, double elapsed) {
        return DemoReport.progressLine(Burst.bar(n, records) + " records", ok.sum(), retriedRecords.sum(), lost.sum(),
                pool.stats(), String.format("%.1f records/s", elapsed > 0 ? n / elapsed : 0.0));
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String pct(int k, int n) {
        return String.format("%.0f%%", 100.0 * k / n);
    }

    private static String quoted(Object value, int max) {
        return value == null ? "null" : "\"" + abbreviate(value.toString(), max) + "\"";
    }

    private static String abbreviate(String s, int max) {
        String one = s.replace('\n', ' ');
        return one.length() <= max ? one : one.substring(0, max - 3) + "...";
    }
}
