package dev.taipan.spark;

import org.apache.spark.sql.types.StructField;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** What a {@link TaipanTransform} runs for each row: a DSPy program, or a Python function. */
interface RowRun extends Serializable {
    /** The columns the run adds, in order. */
    List<StructField> outputs();

    /** The input names a row must give, or null if any set of names will do (a function's kwargs). */
    List<String> requiredInputs();

    /**
     * Readies this executor's pool for the partition's runs (builds the program once); throws for
     * what no row can get past (a missing LM key), which fails the task, not each row.
     */
    Starter prepare(TaipanSparkPools.Entry entry);

    /** Starts one row's run on a prepared pool. */
    interface Starter {
        /** The future cells of {@link #outputs()}; completed exceptionally if the run failed. */
        CompletableFuture<Object[]> start(Map<String, Object> inputs);
    }
}
