package dev.taipan.spark;

import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Field;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * A DSPy program as it travels to the executors: its kind ({@code Predict} or
 * {@code ChainOfThought}), its signature, its optimized state if any, and its {@link LmSpec}.
 * Each executor rebuilds the {@link Program} from this once per pool. Immutable; equal specs are
 * the same program.
 */
public final class DspyProgramSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final String PREDICT = "predict";
    private static final String CHAIN_OF_THOUGHT = "chain_of_thought";

    /** A signature field in serializable form: name, DSPy type expression, description. */
    private record FieldSpec(String name, String type, String description) implements Serializable {
        static FieldSpec of(Field f) {
            return new FieldSpec(f.name(), f.type().toString(), f.description());
        }
    }

    /** The DSPy kind: predict or chain_of_thought. */
    private final String kind;
    /** The signature's instructions, or null. */
    private final String instructions;
    /** The signature's input fields. */
    private final List<FieldSpec> inputs;
    /** The signature's output fields. */
    private final List<FieldSpec> outputs;
    /** The optimized DSPy state as JSON, or null. */
    private final String state;
    /** The LM of the runs, or null until set. */
    private final LmSpec lm;

    private DspyProgramSpec(String kind, Signature signature, String state, LmSpec lm) {
        this(kind, signature.instructions(), signature.inputs().stream().map(FieldSpec::of).toList(),
                signature.outputs().stream().map(FieldSpec::of).toList(), state, lm);
    }

    private DspyProgramSpec(String kind, String instructions, List<FieldSpec> inputs, List<FieldSpec> outputs,
                            String state, LmSpec lm) {
        this.kind = kind;
        this.instructions = instructions;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.state = state;
        this.lm = lm;
    }

    /**
     * DSPy's {@code Predict} of {@code signature}.
     *
     * @param signature the signature, not null
     * @return the spec, without an LM yet ({@link #lm(LmSpec)})
     */
    public static DspyProgramSpec predict(Signature signature) {
        return new DspyProgramSpec(PREDICT, Objects.requireNonNull(signature, "signature"), null, null);
    }

    /**
     * DSPy's {@code ChainOfThought} of {@code signature}.
     *
     * @param signature the signature, not null
     * @return the spec, without an LM yet ({@link #lm(LmSpec)})
     */
    public static DspyProgramSpec chainOfThought(Signature signature) {
        return new DspyProgramSpec(CHAIN_OF_THOUGHT, Objects.requireNonNull(signature, "signature"), null, null);
    }

    /**
     * The spec of a built (perhaps optimized) program: its kind, signature and current state.
     *
     * @param program a {@code Predict} or {@code ChainOfThought} program
     * @return the spec, without an LM yet ({@link #lm(LmSpec)})
     * @throws IllegalArgumentException if the program is of another kind (a composite, ReAct)
     */
    public static DspyProgramSpec of(Program program) {
        Objects.requireNonNull(program, "program");
        if (!program.kind().equals(PREDICT) && !program.kind().equals(CHAIN_OF_THOUGHT)) {
            throw new IllegalArgumentException("a program of kind " + program.kind()
                    + " cannot be shipped to Spark executors; predict and chain_of_thought can");
        }
        return new DspyProgramSpec(program.kind(), program.signature(), program.state(), null);
    }

    /**
     * The LM the runs use.
     *
     * @param lm the LM, not null
     * @return the new spec; this one is unchanged
     */
    public DspyProgramSpec lm(LmSpec lm) {
        return new DspyProgramSpec(kind, instructions, inputs, outputs, state, Objects.requireNonNull(lm, "lm"));
    }

    /** {@return the LM, or null if none was set} */
    public LmSpec lm() {
        return lm;
    }

    /** {@return the DSPy kind: {@code predict} or {@code chain_of_thought}} */
    public String kind() {
        return kind;
    }

    /** {@return the signature, rebuilt from this spec} */
    public Signature signature() {
        Signature.Builder b = Signature.builder();
        if (instructions != null) {
            b.instructions(instructions);
        }
        inputs.forEach(f -> b.input(f.name(), FieldType.parse(f.type()), f.description()));
        outputs.forEach(f -> b.output(f.name(), FieldType.parse(f.type()), f.description()));
        return b.build();
    }

    /** The program on this executor's pool. */
    Program program(Dspy dspy) {
        Signature sig = signature();
        Dspy withLm = dspy.lm(lm.toLm());
        Program p = kind.equals(PREDICT) ? withLm.predict(sig) : withLm.chainOfThought(sig);
        return state == null ? p : p.loadState(state);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DspyProgramSpec)) {
            return false;
        }
        DspyProgramSpec s = (DspyProgramSpec) o;
        return kind.equals(s.kind) && Objects.equals(instructions, s.instructions) && inputs.equals(s.inputs)
                && outputs.equals(s.outputs) && Objects.equals(state, s.state) && Objects.equals(lm, s.lm);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, instructions, inputs, outputs, state, lm);
    }

    @Override
    public String toString() {
        return "DspyProgramSpec[" + kind + " " + signature() + (state == null ? "" : ", with state")
                + (lm == null ? "" : ", " + lm) + "]";
    }
}
