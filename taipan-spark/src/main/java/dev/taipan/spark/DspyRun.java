package dev.taipan.spark;

import dev.taipan.dspy.Field;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.util.ArrayList;
import java.util.List;

/** A row's run of a DSPy program: its inputs are the signature's, its outputs typed from the signature. */
final class DspyRun implements RowRun {
    private static final long serialVersionUID = 1L;

    private final DspyProgramSpec spec;
    private final List<String> outputNames;
    private final List<StructField> outputs;
    private final List<String> inputs;

    DspyRun(DspyProgramSpec spec) {
        if (spec.lm() == null) {
            throw new IllegalArgumentException(spec + " has no LM: set one with DspyProgramSpec.lm(LmSpec)");
        }
        this.spec = spec;
        List<String> names = new ArrayList<>();
        List<StructField> fields = new ArrayList<>();
        for (Field f : spec.signature().outputs()) {
            DataType t = SparkTypes.columnType(f.name(), f.type().toString());
            names.add(f.name());
            fields.add(DataTypes.createStructField(f.name(), t, true));
        }
        this.outputNames = List.copyOf(names);
        this.outputs = List.copyOf(fields);
        this.inputs = spec.signature().inputs().stream().map(Field::name).toList();
    }

    @Override
    public List<StructField> outputs() {
        return outputs;
    }

    @Override
    public List<String> requiredInputs() {
        return inputs;
    }

    @Override
    public Starter prepare(TaipanSparkPools.Entry entry) {
        String keyEnv = spec.lm().apiKeyEnv();
        if (keyEnv != null && System.getenv(keyEnv) == null) {
            throw new IllegalStateException("the LM's API key variable " + keyEnv + " is not set on this executor");
        }
        Program program = entry.program(spec);
        return in -> program.runAsync(in).thenApply(this::cells);
    }

    private Object[] cells(Prediction p) {
        Object[] out = new Object[outputs.size()];
        for (int i = 0; i < out.length; i++) {
            String name = outputNames.get(i);
            out[i] = SparkTypes.toSpark(name, p.get(name), outputs.get(i).dataType());
        }
        return out;
    }
}
