package dev.taipan.spark;

import dev.taipan.CallOptions;
import org.apache.spark.sql.types.StructField;

import java.util.List;
import java.util.Map;

/**
 * A row's call of a Python function with the row's inputs as keyword arguments. One output
 * column takes the whole result; several take the keys of the dict it returns.
 */
final class PythonRun implements RowRun {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final List<StructField> outputs;
    private final boolean idempotent;

    PythonRun(String function, List<StructField> outputs, boolean idempotent) {
        if (function == null || function.isBlank()) {
            throw new IllegalArgumentException("the Python function must be named, e.g. my_module:classify");
        }
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("a Python function's run needs at least one output column");
        }
        this.function = function;
        this.outputs = List.copyOf(outputs);
        this.idempotent = idempotent;
    }

    @Override
    public List<StructField> outputs() {
        return outputs;
    }

    @Override
    public List<String> requiredInputs() {
        return null;
    }

    @Override
    public Starter prepare(TaipanSparkPools.Entry entry) {
        CallOptions opts = CallOptions.DEFAULT.withIdempotent(idempotent);
        return in -> entry.pool.callAsync(function, in, opts).thenApply(this::cells);
    }

    private Object[] cells(Object result) {
        Object[] out = new Object[outputs.size()];
        if (out.length == 1) {
            out[0] = SparkTypes.toSpark(outputs.get(0).name(), result, outputs.get(0).dataType());
            return out;
        }
        if (!(result instanceof Map)) {
            throw new IllegalArgumentException(function + " returned a " + (result == null ? "None" : result.getClass().getSimpleName())
                    + ", not the dict that " + outputs.size() + " output columns need");
        }
        Map<?, ?> m = (Map<?, ?>) result;
        for (int i = 0; i < out.length; i++) {
            StructField f = outputs.get(i);
            out[i] = SparkTypes.toSpark(f.name(), m.get(f.name()), f.dataType());
        }
        return out;
    }
}
