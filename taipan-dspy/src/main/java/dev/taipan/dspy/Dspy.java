package dev.taipan.dspy;

import dev.taipan.PythonCaller;
import dev.taipan.TaipanException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * DSPy from Java, bound to a pool whose modules include {@code taipan_worker.dspy}:
 *
 * <pre>{@code
 * Dspy dspy = Dspy.on(pool).lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY"));
 * Program qa = dspy.chainOfThought("question -> answer");
 * Prediction p = qa.run(Map.of("question", "What is 2+2?"));
 * }</pre>
 *
 * Immutable: {@link #lm} and {@link #adapter} return a new {@code Dspy} with that default.
 * Programs and LMs live on the Java side; any worker can run any program.
 */
public final class Dspy {
    private final Bridge bridge;
    private final Lm lm;
    private final Adapter adapter;
    private final Duration longTimeout;
    private final java.util.List<DspyListener> listeners;

    private Dspy(Bridge bridge, Lm lm, Adapter adapter, Duration longTimeout, java.util.List<DspyListener> listeners) {
        this.listeners = listeners;
        this.bridge = bridge;
        this.lm = lm;
        this.adapter = adapter;
        this.longTimeout = longTimeout;
    }

    /**
     * Binds to a pool (or a session). Checks at once that the workers have the DSPy bridge,
     * so a missing {@code taipan_worker.dspy} module or a missing {@code dspy} package fails
     * here with the fix, not at the first run.
     *
     * @param pool the pool or session to run on; a session pins every run to its worker
     * @return a Dspy with no default LM and the {@link Adapter#CHAT} adapter
     * @throws TaipanException if the workers do not expose the DSPy bridge, or the check call fails
     */
    public static Dspy on(PythonCaller pool) {
        Objects.requireNonNull(pool, "pool");
        try {
            pool.call(Bridge.MODULE + ":describe");
        } catch (dev.taipan.UnknownFunctionException e) {
            throw new TaipanException("the pool's workers do not expose the DSPy bridge: add \""
                    + Bridge.MODULE + "\" to PoolConfig.modules(...) and install the worker with its dspy extra"
                    + " (pip install 'taipan-worker[dspy]'; bin/taipan setup does it)", e);
        }
        return new Dspy(new Bridge(pool), null, Adapter.CHAT, Duration.ofMinutes(30), java.util.List.of());
    }

    /**
     * {@return the DSPy version the workers run} It asks a worker (one call).
     */
    @SuppressWarnings("unchecked")
    public String dspyVersion() {
        return String.valueOf(((Map<String, Object>) bridge.caller().call(Bridge.MODULE + ":describe")).get("dspy"));
    }

    /**
     * A Dspy whose programs use {@code lm} unless a run says otherwise.
     *
     * @param lm the LM, not null
     * @return the new Dspy; this one is unchanged
     */
    public Dspy lm(Lm lm) {
        return new Dspy(bridge, Objects.requireNonNull(lm, "lm"), adapter, longTimeout, listeners);
    }

    /**
     * A Dspy whose programs format prompts and parse answers with {@code adapter} (default {@link Adapter#CHAT}) unless a run says otherwise.
     *
     * @param adapter the adapter, not null
     * @return the new Dspy; this one is unchanged
     */
    public Dspy adapter(Adapter adapter) {
        return new Dspy(bridge, lm, Objects.requireNonNull(adapter, "adapter"), longTimeout, listeners);
    }

    /**
     * Timeout for evaluation and optimization calls (default 30 minutes).
     *
     * @param timeout the timeout, not null
     * @return the new Dspy; this one is unchanged
     */
    public Dspy longTimeout(Duration timeout) {
        return new Dspy(bridge, lm, adapter, Objects.requireNonNull(timeout, "timeout"), listeners);
    }

    /**
     * A Dspy whose programs also tell {@code listener} of every run that returned a prediction
     * (see {@link DspyListener}); listeners added before are kept.
     *
     * @param listener the listener, not null
     * @return the new Dspy; this one is unchanged
     */
    public Dspy listener(DspyListener listener) {
        java.util.List<DspyListener> more = new java.util.ArrayList<>(listeners);
        more.add(Objects.requireNonNull(listener, "listener"));
        return new Dspy(bridge, lm, adapter, longTimeout, java.util.List.copyOf(more));
    }

    /** Tells the listeners of a run's prediction; returns it. A listener that throws is logged. */
    Prediction report(String kind, Prediction p) {
        tell(l -> l.runCompleted(kind, p.runUsage()));
        return p;
    }

    /** Tells the listeners of a failed run and what it spent; returns the error, for rethrowing. */
    <T extends Throwable> T reportFailure(String kind, RunUsage usage, T error) {
        tell(l -> l.runFailed(kind, usage, error));
        return error;
    }

    void reportEvaluation(String kind, RunUsage usage) {
        tell(l -> l.evaluationEnded(kind, usage));
    }

    void reportOptimization(String kind, RunUsage usage) {
        tell(l -> l.optimizationEnded(kind, usage));
    }

    private void tell(java.util.function.Consumer<DspyListener> event) {
        for (DspyListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                System.getLogger(Dspy.class.getName()).log(System.Logger.Level.WARNING,
                        "DspyListener threw; ignored", e);
            }
        }
    }

    /** Whether any listener is set (else nothing needs the usage of failed calls). */
    boolean listened() {
        return !listeners.isEmpty();
    }

    /** {@return the default LM of this Dspy's programs, or null if none was set (then each run must name one)} */
    public Lm lm() {
        return lm;
    }

    /** {@return the default adapter of this Dspy's programs} */
    public Adapter adapter() {
        return adapter;
    }

    Duration longTimeout() {
        return longTimeout;
    }

    Bridge bridge() {
        return bridge;
    }

    // ------------------------------------------------------------------ modules

    /**
     * DSPy's {@code Predict}: one LM call from the inputs to the outputs.
     *
     * @param signature a DSPy signature string, e.g. {@code "question -> answer"}
     * @return the program (nothing runs until {@link Program#run})
     * @throws SignatureException if the signature does not parse
     */
    public Program predict(String signature) {
        return predict(Signature.parse(signature));
    }

    /**
     * DSPy's {@code Predict} of a built signature.
     *
     * @param signature the signature
     * @return the program (nothing runs until {@link Program#run})
     */
    public Program predict(Signature signature) {
        return new Program(this, "predict", signature, Map.of(), null, null, null);
    }

    /**
     * DSPy's {@code ChainOfThought}: the LM reasons first; {@link Prediction#reasoning()} holds it.
     *
     * @param signature a DSPy signature string, e.g. {@code "question -> answer"}
     * @return the program (nothing runs until {@link Program#run})
     * @throws SignatureException if the signature does not parse
     */
    public Program chainOfThought(String signature) {
        return chainOfThought(Signature.parse(signature));
    }

    /**
     * DSPy's {@code ChainOfThought} of a built signature.
     *
     * @param signature the signature
     * @return the program (nothing runs until {@link Program#run})
     */
    public Program chainOfThought(Signature signature) {
        return new Program(this, "chain_of_thought", signature, Map.of(), null, null, null);
    }

    /**
     * DSPy's MultiChainComparison over {@code m} candidate reasonings.
     *
     * @param signature the signature
     * @param m         how many candidates it compares, at least 2
     * @return the program
     * @throws IllegalArgumentException if {@code m} is below 2
     */
    public Program multiChainComparison(Signature signature, int m) {
        if (m < 2) {
            throw new IllegalArgumentException("multiChainComparison needs m >= 2, got " + m);
        }
        return new Program(this, "multi_chain_comparison", signature, Map.of("M", m), null, null, null);
    }

    /**
     * DSPy's ReAct agent loop; its tools are written in Java and called back during the run.
     *
     * @param signature the signature
     * @param maxIters  the most tool-using steps a run may take, at least 1
     * @param tools     the tools, each with its own name
     * @return the program
     * @throws IllegalArgumentException if {@code maxIters} is below 1 or two tools share a name
     */
    public Program react(Signature signature, int maxIters, Tool... tools) {
        if (maxIters < 1) {
            throw new IllegalArgumentException("maxIters must be positive, got " + maxIters);
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Tool t : tools) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("two tools are named '" + t.name() + "'");
            }
        }
        return new Program(this, "react", signature, Map.of("max_iters", maxIters), null, null, List.of(tools), null);
    }

    /** {@return a builder of a program made of steps, each a module; optimizers see every predictor inside} */
    public CompositeBuilder composite() {
        return new CompositeBuilder(this);
    }

    /** Builds a composite program: named steps, each a program whose inputs come from the composite's inputs or earlier steps' outputs. Not thread-safe. */
    public static final class CompositeBuilder {
        private final Dspy dspy;
        private final List<Program.Step> steps = new ArrayList<>();
        private final Map<String, String> outputs = new LinkedHashMap<>();

        private CompositeBuilder(Dspy dspy) {
            this.dspy = dspy;
        }

        /**
         * Adds a step. {@code inputs} maps each of the step's input fields to a source:
         * {@code "input.<name>"} (the composite's input) or {@code "<step>.<output>"}.
         *
         * @param name    the step's name, an identifier unique in the composite
         * @param program the step's program, not itself a composite
         * @param inputs  for each input field of the step, where its value comes from
         * @return this builder
         * @throws IllegalArgumentException if the name is taken or not an identifier, the program
         *                                  is a composite, or an input has no (or an unknown) source
         */
        public CompositeBuilder step(String name, Program program, Map<String, String> inputs) {
            if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("step name '" + name + "' is not an identifier");
            }
            if (steps.stream().anyMatch(s -> s.name().equals(name))) {
                throw new IllegalArgumentException("step '" + name + "' is defined twice");
            }
            if (program.signature() == null) {
                throw new IllegalArgumentException("step '" + name + "': composites cannot nest composites");
            }
            for (Field f : program.signature().inputs()) {
                String src = inputs.get(f.name());
                if (src == null) {
                    throw new IllegalArgumentException("step '" + name + "' does not say where input '" + f.name()
                            + "' comes from");
                }
                checkSource(src, "step '" + name + "' input '" + f.name() + "'");
            }
            steps.add(new Program.Step(name, program, Map.copyOf(inputs)));
            return this;
        }

        /**
         * Exposes {@code source} ({@code "<step>.<output>"}) as the composite's output {@code name}.
         *
         * @param name   the composite's output field
         * @param source {@code "<step>.<output>"} of an earlier step, or {@code "input.<name>"}
         * @return this builder
         * @throws IllegalArgumentException if the source names no known step output
         */
        public CompositeBuilder output(String name, String source) {
            checkSource(source, "output '" + name + "'");
            outputs.put(name, source);
            return this;
        }

        private void checkSource(String src, String where) {
            if (src.startsWith("input.")) {
                return;
            }
            int dot = src.indexOf('.');
            String step = dot < 0 ? src : src.substring(0, dot);
            Program.Step s = steps.stream().filter(x -> x.name().equals(step)).findFirst().orElseThrow(
                    () -> new IllegalArgumentException(where + ": source '" + src
                            + "' must be input.<name> or <earlier step>.<output>"));
            String field = src.substring(dot + 1);
            boolean known = s.program().signature().outputs().stream().anyMatch(f -> f.name().equals(field))
                    || (field.equals("reasoning") && s.program().kind().equals("chain_of_thought"));
            if (!known) {
                throw new IllegalArgumentException(where + ": step '" + step + "' has no output '" + field + "'");
            }
        }

        /**
         * {@return the composite program}
         *
         * @throws IllegalArgumentException if it has no step or no output
         */
        public Program build() {
            if (steps.isEmpty() || outputs.isEmpty()) {
                throw new IllegalArgumentException("a composite needs at least one step and one output");
            }
            return new Program(dspy, "composite", null, Map.of(), steps, outputs, null);
        }
    }
}
