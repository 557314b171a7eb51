package dev.taipan.dspy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.taipan.CallOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A DSPy program owned by the Java side: its definition (kind, signature, configuration,
 * steps) and its latest state (DSPy's {@code dump_state} JSON: demos, instructions). Runs
 * on any worker of the pool; loading state or optimizing makes a new version, which workers
 * fetch when they first see it. Thread-safe.
 */
public final class Program {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final Dspy dspy;
    private final String id = UUID.randomUUID().toString();
    private final String kind;
    private final Signature signature;
    private final Map<String, Object> config;
    private final List<Step> steps;
    private final Map<String, String> outputs;
    private final List<Tool> tools;
    private final AtomicReference<Version> current;

    /** A step of a composite program: a sub-program and where each of its inputs comes from. */
    record Step(String name, Program program, Map<String, String> inputs) {
    }

    Program(Dspy dspy, String kind, Signature signature, Map<String, Object> config, List<Step> steps,
            Map<String, String> outputs, Map<String, Object> state) {
        this(dspy, kind, signature, config, steps, outputs, List.of(), state);
    }

    Program(Dspy dspy, String kind, Signature signature, Map<String, Object> config, List<Step> steps,
            Map<String, String> outputs, List<Tool> tools, Map<String, Object> state) {
        this.dspy = dspy;
        this.tools = List.copyOf(tools);
        this.kind = kind;
        this.signature = signature;
        this.config = config == null ? Map.of() : Map.copyOf(config);
        this.steps = steps == null ? List.of() : List.copyOf(steps);
        this.outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
        this.current = new AtomicReference<>(new Version(1, state));
    }

    /** One immutable version of the program; tracks whether any worker has been sent it. */
    final class Version {
        final int number;
        final Map<String, Object> state;
        private volatile boolean sent;

        Version(int number, Map<String, Object> state) {
            this.number = number;
            this.state = state;
        }

        boolean sent() {
            return sent;
        }

        void markSent() {
            sent = true;
        }

        Map<String, Object> toWire(boolean withSpec) {
            Map<String, Object> ref = new LinkedHashMap<>();
            ref.put("id", id);
            ref.put("version", number);
            ref.put("spec", withSpec ? spec(state) : null);
            return ref;
        }
    }

    Map<String, Object> spec(Map<String, Object> state) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("signature", signature == null ? null : signature.toWire());
        m.put("config", config);
        if (!steps.isEmpty()) {
            List<Object> s = new ArrayList<>();
            for (Step step : steps) {
                Map<String, Object> w = new LinkedHashMap<>();
                w.put("name", step.name());
                w.put("program", step.program().spec(null));
                w.put("inputs", step.inputs());
                s.add(w);
            }
            m.put("steps", s);
            m.put("outputs", outputs);
        }
        if (!tools.isEmpty()) {
            m.put("tools", tools.stream().map(Tool::toWire).toList());
        }
        m.put("state", state);
        return m;
    }

    /** {@return call options that let the worker call this program's Java tools back} */
    CallOptions toolCallbacks() {
        CallOptions o = CallOptions.DEFAULT;
        for (Tool t : tools) {
            o = o.withCallback(t.callbackName(), t::invoke);
        }
        for (Step s : steps) {
            for (Tool t : s.program().tools) {
                o = o.withCallback(t.callbackName(), t::invoke);
            }
        }
        return o;
    }

    /** {@return the DSPy module this program is: {@code predict}, {@code chain_of_thought}, {@code react}, {@code multi_chain_comparison} or {@code composite}} */
    public String kind() {
        return kind;
    }

    /**
     * A copy with module configuration for DSPy, e.g. {@code Map.of("n", 3, "temperature",
     * 0.7)} for three completions per run (LM call keyword arguments). Keeps this program's state.
     *
     * @param moreConfig settings added to (and overriding) this program's
     * @return the new program
     * @throws IllegalStateException if this is a composite (configure its steps)
     */
    public Program withConfig(Map<String, Object> moreConfig) {
        if (signature == null) {
            throw new IllegalStateException("configure a composite's steps, not the composite");
        }
        Map<String, Object> merged = new LinkedHashMap<>(config);
        merged.putAll(moreConfig);
        return new Program(dspy, kind, signature, merged, steps, outputs, tools, current.get().state);
    }

    /** {@return the signature, or null for a composite program} */
    public Signature signature() {
        return signature;
    }

    /** {@return the version of the program's state: 1 as built, one more with each load} */
    public int version() {
        return current.get().number;
    }

    // ------------------------------------------------------------------ running

    /**
     * Runs the program once with the {@link Dspy}'s LM and adapter, and waits for its prediction.
     *
     * @param inputs  a value for each of {@link #inputNames()}
     * @return the prediction
     * @throws IllegalArgumentException if an input is missing
     * @throws IllegalStateException    if neither the run nor the {@link Dspy} names an LM
     * @throws LmException              if the LM failed (the subclass says how)
     * @throws dev.taipan.TaipanException if the call failed otherwise (the parse of the answer, the pool)
     */
    public Prediction run(Map<String, ?> inputs) {
        return run(inputs, RunOptions.DEFAULT);
    }

    /**
     * Runs the program once and waits for its prediction.
     *
     * @param inputs  a value for each of {@link #inputNames()}
     * @param options the run's LM, adapter and timeout, or null for the defaults
     * @return the prediction
     * @throws IllegalArgumentException if an input is missing
     * @throws IllegalStateException    if neither the run nor the {@link Dspy} names an LM
     * @throws LmException              if the LM failed (the subclass says how)
     * @throws dev.taipan.TaipanException if the call failed otherwise (the parse of the answer, the pool)
     */
    public Prediction run(Map<String, ?> inputs, RunOptions options) {
        FailedUsage spent = new FailedUsage();
        CompletableFuture<Object> call = runRaw(inputs, options, spent);
        try {
            return dspy.report(kind, Prediction.fromWire(Bridge.await(call)));
        } catch (RuntimeException e) {
            throw dspy.reportFailure(kind, spent.get(), e);
        }
    }

    /**
     * Starts a run with the {@link Dspy}'s LM and adapter.
     *
     * @param inputs  a value for each of {@link #inputNames()}
     * @return the future prediction, completed exceptionally as {@link #run} would throw
     * @throws IllegalArgumentException if an input is missing
     * @throws IllegalStateException    if no LM is set
     */
    public CompletableFuture<Prediction> runAsync(Map<String, ?> inputs) {
        return runAsync(inputs, RunOptions.DEFAULT);
    }

    /**
     * Starts a run.
     *
     * @param inputs  a value for each of {@link #inputNames()}
     * @param options the run's LM, adapter and timeout, or null for the defaults
     * @return the future prediction, completed exceptionally as {@link #run} would throw
     * @throws IllegalArgumentException if an input is missing
     * @throws IllegalStateException    if no LM is set
     */
    public CompletableFuture<Prediction> runAsync(Map<String, ?> inputs, RunOptions options) {
        FailedUsage spent = new FailedUsage();
        return runRaw(inputs, options, spent).handle((v, e) -> {
            if (e == null) {
                return dspy.report(kind, Prediction.fromWire(v));
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            throw new java.util.concurrent.CompletionException(dspy.reportFailure(kind, spent.get(), cause));
        });
    }

    /** The bridge's {@code run} call; a failing run reports what it spent to {@code spent}. */
    private CompletableFuture<Object> runRaw(Map<String, ?> inputs, RunOptions options, FailedUsage spent) {
        checkInputs(inputs);
        RunOptions o = options == null ? RunOptions.DEFAULT : options;
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("inputs", inputs);
        args.put("adapter", o.adapterOr(dspy.adapter()).wire);
        return dspy.bridge().call("run", current.get(), lmFor(o), args, o.timeout(), withUsage(toolCallbacks(), spent));
    }

    /**
     * Runs the program and hands each piece of its output fields to {@code onChunk} as the
     * LM writes it (in order, on the pool's callback executor), then returns the prediction.
     *
     * @param inputs  a value for each of {@link #inputNames()}
     * @param onChunk each piece of an output field, in order; not null
     * @return the final prediction
     @throws IllegalArgumentException if an input is missing
     * @throws IllegalStateException    if neither the run nor the {@link Dspy} names an LM
     * @throws LmException              if the LM failed (the subclass says how)
     * @throws dev.taipan.TaipanException if the call failed otherwise (the parse of the answer, the pool)
     */
    public Prediction stream(Map<String, ?> inputs, Consumer<StreamChunk> onChunk) {
        return stream(inputs, onChunk, RunOptions.DEFAULT);
    }

    /**
     * {@link #stream(Map, Consumer)} with options.
     *
     * @param inputs  a value for each of {@link #inputNames()}
     * @param onChunk each piece of an output field, in order
     * @param options the run's LM, adapter and timeout, or null for the defaults
     * @return the final prediction
     * @throws IllegalArgumentException if an input is missing
     * @throws IllegalStateException    if neither the run nor the {@link Dspy} names an LM
     * @throws LmException              if the LM failed (the subclass says how)
     * @throws dev.taipan.TaipanException if the call failed otherwise (the parse of the answer, the pool)
     */
    @SuppressWarnings("unchecked")
    public Prediction stream(Map<String, ?> inputs, Consumer<StreamChunk> onChunk, RunOptions options) {
        Objects.requireNonNull(onChunk, "onChunk");
        checkInputs(inputs);
        RunOptions o = options == null ? RunOptions.DEFAULT : options;
        AtomicReference<Object> finalPrediction = new AtomicReference<>();
        FailedUsage spent = new FailedUsage();
        CallOptions streaming = withUsage(toolCallbacks(), spent).withChunkConsumer(chunk -> {
            Map<String, Object> c = (Map<String, Object>) chunk;
            if (c.containsKey("prediction")) {
                finalPrediction.set(c.get("prediction"));
            } else {
                onChunk.accept(new StreamChunk((String) c.get("field"), String.valueOf(c.get("chunk"))));
            }
        });
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("inputs", inputs);
        args.put("adapter", o.adapterOr(dspy.adapter()).wire);
        CompletableFuture<Object> call = dspy.bridge().call("stream", current.get(), lmFor(o), args, o.timeout(),
                streaming);
        Object p;
        try {
            Bridge.await(call);
            p = finalPrediction.get();
            if (p == null) {
                throw new dev.taipan.TaipanException("the stream ended without a prediction");
            }
        } catch (RuntimeException e) {
            throw dspy.reportFailure(kind, spent.get(), e);
        }
        return dspy.report(kind, Prediction.fromWire(p));
    }

    /** {@code options} with the usage callback, when a listener wants to hear of failures. */
    private CallOptions withUsage(CallOptions options, FailedUsage spent) {
        return dspy.listened() ? spent.on(options) : options;
    }

    private Lm lmFor(RunOptions o) {
        Lm lm = o.lmOr(dspy.lm());
        if (lm == null) {
            throw new IllegalStateException("no LM: set one with Dspy.lm(...) or RunOptions.lm(...)");
        }
        return lm;
    }

    private void checkInputs(Map<String, ?> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        for (String name : inputNames()) {
            if (!inputs.containsKey(name)) {
                throw new IllegalArgumentException("missing input '" + name + "'; this program takes " + inputNames());
            }
        }
    }

    /** {@return the inputs the program needs: its signature's, or for a composite the {@code input.*} its steps read} */
    public List<String> inputNames() {
        if (signature != null) {
            return signature.inputs().stream().map(Field::name).toList();
        }
        List<String> names = new ArrayList<>();
        for (Step s : steps) {
            for (String src : s.inputs().values()) {
                if (src.startsWith("input.") && !names.contains(src.substring(6))) {
                    names.add(src.substring(6));
                }
            }
        }
        return names;
    }

    /**
     * Runs many inputs with at most {@code parallelism} in flight. Never throws for one
     * item: each result carries its prediction or its error, in input order. Blocks until
     * every run has ended.
     *
     * @param inputs      the inputs of each run
     * @param parallelism the most runs in flight, at least 1
     * @return one result per input, in input order
     * @throws IllegalArgumentException if {@code parallelism} is below 1
     */
    public List<BatchResult> batch(List<? extends Map<String, ?>> inputs, int parallelism) {
        return batch(inputs, parallelism, RunOptions.DEFAULT);
    }

    /**
     * {@link #batch(List, int)} with options for every run.
     *
     * @param inputs      the inputs of each run
     * @param parallelism the most runs in flight, at least 1
     * @param options the run's LM, adapter and timeout, or null for the defaults
     * @return one result per input, in input order
     * @throws IllegalArgumentException if {@code parallelism} is below 1
     */
    public List<BatchResult> batch(List<? extends Map<String, ?>> inputs, int parallelism, RunOptions options) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be positive, got " + parallelism);
        }
        Semaphore permits = new Semaphore(parallelism);
        List<CompletableFuture<BatchResult>> futures = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            final int index = i;
            permits.acquireUninterruptibly();
            CompletableFuture<Prediction> f;
            try {
                f = runAsync(inputs.get(i), options);
            } catch (RuntimeException e) {
                permits.release();
                futures.add(CompletableFuture.completedFuture(new BatchResult(index, null, e)));
                continue;
            }
            futures.add(f.handle((p, e) -> {
                permits.release();
                return new BatchResult(index, p, e == null ? null : unwrap(e));
            }));
        }
        return futures.stream().map(CompletableFuture::join).toList();
    }

    private static RuntimeException unwrap(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return c instanceof RuntimeException ? (RuntimeException) c : new RuntimeException(c);
    }

    // ------------------------------------------------------------------ state

    /**
     * {@return the current state as DSPy's JSON (what {@code program.save("x.json")} writes in Python)}
     * A program never loaded nor optimized asks a worker for it.
     */
    public String state() {
        try {
            return JSON.writeValueAsString(stateMap());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> stateMap() {
        Version v = current.get();
        if (v.state != null) {
            return v.state;
        }
        // Never loaded or optimized: ask a worker for the freshly built program's state.
        Object s = Bridge.await(dspy.bridge().call("state", v, null, Map.of(), null));
        return (Map<String, Object>) s;
    }

    /**
     * Loads DSPy state JSON (from {@link #state()}, or saved by Python DSPy) as this program's
     * new version; workers fetch it on their next run.
     *
     * @param json the state
     * @return this program, at its new version
     * @throws IllegalArgumentException if {@code json} is not DSPy state JSON
     */
    @SuppressWarnings("unchecked")
    public Program loadState(String json) {
        try {
            Map<String, Object> state = JSON.readValue(json, Map.class);
            current.updateAndGet(v -> new Version(v.number + 1, state));
            return this;
        } catch (IOException e) {
            throw new IllegalArgumentException("not DSPy state JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@link #state()} to a file (replacing it).
     *
     * @param path the file
     * @throws java.io.UncheckedIOException if it cannot be written
     */
    public void save(Path path) {
        try {
            Files.writeString(path, state());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save program state to " + path, e);
        }
    }

    /**
     * {@link #loadState(String)} from a file.
     *
     * @param path the file, as {@link #save} or Python DSPy wrote it
     * @return this program, at its new version
     * @throws java.io.UncheckedIOException if it cannot be read
     * @throws IllegalArgumentException     if it is not DSPy state JSON
     */
    public Program load(Path path) {
        try {
            return loadState(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read program state from " + path, e);
        }
    }

    // ------------------------------------------------------------------ evaluation and optimization

    /**
     * Scores the program on {@code devset}; built-in metrics run in the workers, Java metrics here.
     *
     * @param devset the examples to score on
     * @param metric the metric
     * @return the average score and each example's
     * @throws dev.taipan.TaipanException if the evaluation failed as a whole
     */
    @SuppressWarnings("unchecked")
    public Evaluation evaluate(List<Example> devset, Metric metric) {
        if (metric.isJava()) {
            return Evaluations.inJava(this, devset, metric);
        }
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("devset", devset.stream().map(Example::toWire).toList());
        args.put("metric", metric.toWire());
        args.put("adapter", dspy.adapter().wire);
        args.put("num_threads", 4);
        FailedUsage spent = new FailedUsage();
        CompletableFuture<Object> call = dspy.bridge().call("evaluate", current.get(), lmFor(RunOptions.DEFAULT), args,
                dspy.longTimeout(), withUsage(toolCallbacks(), spent));
        Map<String, Object> r;
        try {
            r = (Map<String, Object>) Bridge.await(call);
        } catch (RuntimeException e) {
            dspy.reportEvaluation(kind, spent.get());
            throw e;
        }
        dspy.reportEvaluation(kind, RunUsage.fromWire(r.get("metrics")));
        return Evaluations.fromWire(r, devset);
    }

    /**
     * Runs an optimizer and returns the optimized program (a new program; this one is unchanged).
     *
     * @param optimizer the optimizer
     * @param trainset  the examples it learns from
     * @param metric    the score it maximises
     * @return the optimized program
     * @throws dev.taipan.TaipanException if the optimizer failed
     */
    public Program optimize(Optimizer optimizer, List<Example> trainset, Metric metric) {
        return optimize(optimizer, trainset, null, metric);
    }

    /**
     * Runs an optimizer with a validation set and returns the optimized program (a new program; this one is unchanged).
     *
     * @param optimizer the optimizer
     * @param trainset  the examples it learns from
     * @param valset    the examples it validates on, or null to let it choose
     * @param metric    the score it maximises
     * @return the optimized program
     * @throws dev.taipan.TaipanException if the optimizer failed
     */
    @SuppressWarnings("unchecked")
    public Program optimize(Optimizer optimizer, List<Example> trainset, List<Example> valset, Metric metric) {
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("optimizer", optimizer.toWire());
        args.put("trainset", trainset.stream().map(Example::toWire).toList());
        args.put("valset", valset == null ? null : valset.stream().map(Example::toWire).toList());
        args.put("metric", metric.toWire());
        args.put("adapter", dspy.adapter().wire);
        CallOptions callbacks = toolCallbacks();
        if (metric.isJava()) {
            callbacks = callbacks.withCallback(metric.callbackName(), metric::scoreFromWire);
        }
        FailedUsage spent = new FailedUsage();
        CompletableFuture<Object> call = dspy.bridge().call("optimize", current.get(), lmFor(RunOptions.DEFAULT), args,
                dspy.longTimeout(), withUsage(callbacks, spent));
        Map<String, Object> r;
        try {
            r = (Map<String, Object>) Bridge.await(call);
        } catch (RuntimeException e) {
            dspy.reportOptimization(kind, spent.get());
            throw e;
        }
        dspy.reportOptimization(kind, RunUsage.fromWire(r.get("metrics")));
        return new Program(dspy, kind, signature, config, steps, outputs, tools, (Map<String, Object>) r.get("state"));
    }

    @Override
    public String toString() {
        return "Program{" + kind + (signature == null ? "" : " " + signature) + ", v" + version() + "}";
    }
}
