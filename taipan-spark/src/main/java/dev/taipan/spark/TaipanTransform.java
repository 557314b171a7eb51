package dev.taipan.spark;

import dev.taipan.PoolConfig;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Runs a DSPy program, or a Python function, for every row of a {@code Dataset<Row>}: inputs
 * from named columns, outputs into new typed columns after the row's own, the rows in their
 * order. Each executor JVM runs them on one Taipan pool ({@link TaipanSparkPools}), started by
 * its first task; each partition keeps at most {@link Builder#maxInFlight(int)} runs going.
 *
 * <p>A row whose run fails gets its error in the error column (its outputs null) and the job
 * goes on, unless {@link Builder#failOnError(boolean)} says to fail the task. A run whose worker
 * was lost is started again (the runs are taken as idempotent unless told otherwise), so a
 * worker killed mid-job loses no row.
 *
 * <p>Immutable and serializable: this object is what Spark ships to the executors. It holds the
 * pool's properties ({@link PoolConfig#from(Properties)}), the program and the LM's settings,
 * never an API key (see {@link LmSpec#apiKeyFromEnv(String)}).
 */
public final class TaipanTransform implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The default name of the error column. */
    public static final String DEFAULT_ERROR_COLUMN = "taipan_error";
    private static final String SECRET_FROM_ENV = "taipan.pool.secret-from-env.";

    /** The pool's taipan.pool.* properties. */
    private final TreeMap<String, String> poolProperties;
    /** What each row runs. */
    private final RowRun run;
    /** Input name to the column it reads. */
    private final LinkedHashMap<String, String> inputs;
    /** Runs in flight per partition. */
    private final int maxInFlight;
    /** The error column, or null for none. */
    private final String errorColumn;
    /** Whether a failed row fails its task. */
    private final boolean failOnError;
    /** Restarts of a lost worker's run (0 if not idempotent). */
    private final int maxRetries;

    private TaipanTransform(Builder b, RowRun run, LinkedHashMap<String, String> inputs) {
        this.poolProperties = new TreeMap<>(b.poolProperties);
        this.run = run;
        this.inputs = inputs;
        this.maxInFlight = b.maxInFlight;
        this.errorColumn = b.errorColumn;
        this.failOnError = b.failOnError;
        this.maxRetries = b.idempotent ? b.maxRetries : 0;
    }

    /** {@return a builder; it needs the pool's properties and a DSPy program or a Python function} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The schema of the result: {@code input}'s columns, the outputs, then the error column.
     *
     * @param input the schema of the rows to transform
     * @return the result's schema
     * @throws IllegalArgumentException if an input column is missing or an output column exists already
     */
    public StructType outputSchema(StructType input) {
        Set<String> have = Set.of(input.fieldNames());
        for (Map.Entry<String, String> e : inputs.entrySet()) {
            if (!have.contains(e.getValue())) {
                throw new IllegalArgumentException("input '" + e.getKey() + "' reads column '" + e.getValue()
                        + "', which the dataset does not have; its columns: " + Arrays.toString(input.fieldNames()));
            }
        }
        List<StructField> fields = new ArrayList<>(Arrays.asList(input.fields()));
        List<StructField> added = new ArrayList<>(run.outputs());
        if (errorColumn != null) {
            added.add(DataTypes.createStructField(errorColumn, DataTypes.StringType, true));
        }
        for (StructField f : added) {
            if (have.contains(f.name())) {
                throw new IllegalArgumentException("output column '" + f.name() + "' exists in the dataset already");
            }
            fields.add(f);
        }
        return DataTypes.createStructType(fields);
    }

    /**
     * The transformed dataset (lazily, as Spark does: the runs happen when an action runs).
     *
     * @param input the rows
     * @return the rows with the output columns and the error column
     * @throws IllegalArgumentException as {@link #outputSchema(StructType)}
     */
    public Dataset<Row> apply(Dataset<Row> input) {
        StructType in = input.schema();
        StructType out = outputSchema(in);
        List<String> names = List.copyOf(inputs.keySet());
        int[] columns = inputs.values().stream().mapToInt(in::fieldIndex).toArray();
        return input.mapPartitions(new Partition(this, names.toArray(String[]::new), columns), Encoders.row(out));
    }

    @Override
    public String toString() {
        return "TaipanTransform[" + run.getClass().getSimpleName() + ", inputs=" + inputs + ", outputs="
                + run.outputs().stream().map(StructField::name).toList() + ", maxInFlight=" + maxInFlight
                + ", errorColumn=" + errorColumn + ", failOnError=" + failOnError + ", maxRetries=" + maxRetries + "]";
    }

    /** One partition's work, on the executor. */
    private static final class Partition implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        private final TaipanTransform t;
        private final String[] names;
        private final int[] columns;

        Partition(TaipanTransform t, String[] names, int[] columns) {
            this.t = t;
            this.names = names;
            this.columns = columns;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            SortedMap<String, String> props = t.poolProperties;
            TaipanSparkPools.Entry entry = TaipanSparkPools.entry(props);
            RowRun.Starter starter = t.run.prepare(entry);
            OrderedRuns runs = new OrderedRuns(rows, starter, entry, names, columns, t.run.outputs().size(),
                    t.errorColumn != null, t.failOnError, t.maxInFlight, t.maxRetries);
            TaskContext task = TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((TaskCompletionListener) ctx -> runs.close());
            }
            return runs;
        }
    }

    /** Collects a transform's settings; checked in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, String> poolProperties = new TreeMap<>();
        private DspyProgramSpec program;
        private String function;
        private List<StructField> functionOutputs;
        private final LinkedHashMap<String, String> inputs = new LinkedHashMap<>();
        private int maxInFlight = 8;
        private String errorColumn = DEFAULT_ERROR_COLUMN;
        private boolean failOnError;
        private int maxRetries = 3;
        private boolean idempotent = true;

        private Builder() {
        }

        /**
         * The pool each executor starts, as {@code taipan.pool.*} properties
         * ({@link PoolConfig#from(Properties)}); the pool must allow-list the bridge module
         * {@code taipan_worker.dspy} for a DSPy program. Secrets belong in
         * {@code taipan.pool.secret-from-env.*}, which names an executor's variable.
         *
         * @param properties the properties; other keys are ignored
         * @return this builder
         */
        public Builder pool(Properties properties) {
            Objects.requireNonNull(properties, "properties");
            for (String k : properties.stringPropertyNames()) {
                poolProperties.put(k, properties.getProperty(k));
            }
            return this;
        }

        /**
         * The pool each executor starts, as {@code taipan.pool.*} properties.
         *
         * @param properties the properties; values are taken as their text
         * @return this builder
         */
        public Builder pool(Map<String, ?> properties) {
            Objects.requireNonNull(properties, "properties");
            properties.forEach((k, v) -> poolProperties.put(k, String.valueOf(v)));
            return this;
        }

        /**
         * Runs this DSPy program for each row; its output fields become columns of their
         * types (see docs/SPARK.md).
         *
         * @param spec the program, with its LM
         * @return this builder
         */
        public Builder dspy(DspyProgramSpec spec) {
            this.program = Objects.requireNonNull(spec, "spec");
            this.function = null;
            return this;
        }

        /**
         * Calls this Python function for each row, with the inputs as keyword arguments. With one
         * output column, the result is its value; with several, the function returns a dict and
         * each column takes its key.
         *
         * @param function the function, e.g. {@code my_module:classify}, allow-listed by the pool
         * @param outputs  the output columns and their types
         * @return this builder
         */
        public Builder python(String function, StructField... outputs) {
            this.function = function;
            this.functionOutputs = List.of(outputs);
            this.program = null;
            return this;
        }

        /**
         * An input of the same name as its column.
         *
         * @param name the input (a signature input, or a keyword argument) and the column
         * @return this builder
         */
        public Builder input(String name) {
            return input(name, name);
        }

        /**
         * An input read from a column. A DSPy program's inputs default to the columns named as
         * its signature's inputs.
         *
         * @param name   the input (a signature input, or a keyword argument)
         * @param column the column it reads
         * @return this builder
         */
        public Builder input(String name, String column) {
            if (name == null || name.isBlank() || column == null || column.isBlank()) {
                throw new IllegalArgumentException("an input and its column must be named");
            }
            inputs.put(name, column);
            return this;
        }

        /**
         * How many runs a partition keeps going at once (default 8). More than the pool's
         * slots only queues in the pool.
         *
         * @param n at least 1
         * @return this builder
         */
        public Builder maxInFlight(int n) {
            this.maxInFlight = n;
            return this;
        }

        /**
         * The column that holds a failed row's error (default {@value #DEFAULT_ERROR_COLUMN}),
         * or null for none (then a failed row's outputs are just null).
         *
         * @param name the column's name, or null
         * @return this builder
         */
        public Builder errorColumn(String name) {
            this.errorColumn = name;
            return this;
        }

        /**
         * Whether a row whose run failed fails its task, and so the job (default false: the
         * error goes into the error column).
         *
         * @param fail true to fail the task
         * @return this builder
         */
        public Builder failOnError(boolean fail) {
            this.failOnError = fail;
            return this;
        }

        /**
         * How many times a run whose worker was lost (or that found no worker) is started
         * again (default 3).
         *
         * @param n 0 or more
         * @return this builder
         */
        public Builder maxRetries(int n) {
            this.maxRetries = n;
            return this;
        }

        /**
         * Whether the runs may run twice (default true: a DSPy prediction or a pure function).
         * If not, a run whose worker was lost is not started again: the row gets the error.
         *
         * @param idempotent false if a run has effects that must not happen twice
         * @return this builder
         */
        public Builder idempotent(boolean idempotent) {
            this.idempotent = idempotent;
            return this;
        }

        /**
         * Checks the settings, the pool's properties included (as each executor will parse them).
         *
         * @return the transform
         * @throws IllegalArgumentException naming what is wrong (a bad pool property is a
         *                                  {@link dev.taipan.PoolConfigException})
         */
        public TaipanTransform build() {
            if (program == null && function == null) {
                throw new IllegalArgumentException("nothing to run: set dspy(...) or python(...)");
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
            }
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must be 0 or more, was " + maxRetries);
            }
            if (errorColumn != null && errorColumn.isBlank()) {
                throw new IllegalArgumentException("errorColumn must not be blank (null for none)");
            }
            // Parsed as each executor will, less the secrets' variables: those are the
            // executors' environment, which the driver need not have.
            Properties p = new Properties();
            poolProperties.forEach((k, v) -> {
                if (!k.startsWith(SECRET_FROM_ENV)) {
                    p.setProperty(k, v);
                }
            });
            PoolConfig.from(p);
            RowRun run = program != null ? new DspyRun(program) : new PythonRun(function, functionOutputs, idempotent);
            LinkedHashMap<String, String> in = new LinkedHashMap<>(inputs);
            List<String> required = run.requiredInputs();
            if (required != null) {
                for (String r : required) {
                    in.putIfAbsent(r, r);
                }
                if (!Set.copyOf(required).equals(in.keySet())) {
                    throw new IllegalArgumentException("inputs " + in.keySet() + " are not the program's " + required);
                }
            }
            Set<String> outs = new java.util.HashSet<>();
            for (StructField f : run.outputs()) {
                if (!outs.add(f.name()) || f.name().equals(errorColumn)) {
                    throw new IllegalArgumentException("output column '" + f.name() + "' is named twice");
                }
            }
            return new TaipanTransform(this, run, in);
        }
    }
}
