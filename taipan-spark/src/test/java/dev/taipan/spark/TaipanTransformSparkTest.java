package dev.taipan.spark;

import dev.taipan.PoolStats;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Signature;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static dev.taipan.spark.SparkTests.FUNCTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jobs in Spark's local mode ({@code local[2]}: one executor JVM, two task threads) on real
 * pools of real Python workers: a DSPy program over a few thousand tickets against the local LM
 * server, a worker killed during a job, a bad row. One session for the class; each test's pool
 * is its own (closed after it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("python")
@Tag("dspy")
class TaipanTransformSparkTest {
    private static final int TICKETS = 2000;
    private static final Set<String> CATEGORIES = Set.of("billing", "bug", "account", "other");

    private LocalLmServer server;
    private SparkSession spark;

    @BeforeAll
    void start() {
        server = LocalLmServer.start(SparkTests.python());
        spark = SparkTests.session("taipan-spark-test");
    }

    @AfterEach
    void closePools() {
        TaipanSparkPools.closeAll();
    }

    @AfterAll
    void stop() {
        try {
            if (spark != null) {
                spark.stop();
            }
        } finally {
            TaipanSparkPools.closeAll();
            if (server != null) {
                server.close();
            }
        }
    }

    /** {@code n} tickets in 4 partitions, by id. */
    private Dataset<Row> tickets(int n) {
        return spark.range(0, n, 1, 4).selectExpr("id",
                "element_at(array('Charged twice', 'App crashes on login', 'Cannot reset password', 'Question'),"
                        + " cast(id % 4 + 1 as int)) as subject",
                "concat('Ticket ', id, ': it started yesterday and is still happening.') as body");
    }

    private static Signature triage() {
        return Signature.builder()
                .instructions("Triage the support ticket.")
                .input("subject", FieldType.STR, "the ticket's subject line")
                .input("ticket", FieldType.STR, "the ticket's text")
                .output("category", FieldType.oneOf("billing", "bug", "account", "other"), null)
                .output("priority", FieldType.INT, "1 (urgent) to 4 (low)")
                .output("tags", FieldType.listOf(FieldType.STR), null)
                .build();
    }

    private TaipanTransform.Builder dspyTransform(String pool) {
        DspyProgramSpec program = DspyProgramSpec.predict(triage())
                .lm(LmSpec.of("openai/local").apiBase(server.url()).apiKeyFromEnv(SparkTests.KEY_ENV)
                        .cache(false).numRetries(0));
        return TaipanTransform.builder()
                .pool(SparkTests.poolProperties(pool))
                .dspy(program)
                .input("subject")
                .input("ticket", "body");
    }

    @Test
    void dspyProgramOverThousandsOfTicketsGivesTypedColumnsInRowOrder() {
        Dataset<Row> in = tickets(TICKETS);

        Dataset<Row> out = dspyTransform("spark-dspy").maxInFlight(8).build().apply(in);
        StructType schema = out.schema();
        assertEquals(DataTypes.StringType, schema.apply("category").dataType());
        assertEquals(DataTypes.LongType, schema.apply("priority").dataType());
        assertEquals(DataTypes.createArrayType(DataTypes.StringType, true), schema.apply("tags").dataType());
        assertEquals(DataTypes.StringType, schema.apply(TaipanTransform.DEFAULT_ERROR_COLUMN).dataType());

        List<Row> rows = out.collectAsList();
        assertEquals(TICKETS, rows.size());
        // Every partition's rows come out in the order they went in.
        assertEquals(java.util.stream.LongStream.range(0, TICKETS).boxed().toList(),
                rows.stream().map(r -> r.getLong(0)).toList());
        for (Row r : rows) {
            assertNull(r.getAs(TaipanTransform.DEFAULT_ERROR_COLUMN), r.toString());
            assertTrue(CATEGORIES.contains(r.<String>getAs("category")), r.toString());
            assertNotNull(r.getAs("priority"), r.toString());
            assertNotNull(r.getList(r.fieldIndex("tags")), r.toString());
        }
        // One pool in the executor JVM, shared by both task threads and all four partitions.
        assertEquals(1, TaipanSparkPools.size());
        PoolStats stats = TaipanSparkPools.entries().get(0).pool.stats();
        assertTrue(stats.callsCompleted() >= TICKETS, stats.toString());
    }

    @Test
    void aWorkerKilledDuringTheJobLosesNoRow() throws Exception {
        int n = 2000;
        // A run takes 10 ms in the worker, so the job lasts seconds and always has runs in flight.
        Dataset<Row> withDelay = spark.range(0, n, 1, 2).selectExpr("id as a", "1000L as b", "0.01D as seconds");
        TaipanTransform t = TaipanTransform.builder()
                .pool(SparkTests.poolProperties("spark-kill", FUNCTIONS))
                .python("taipan_testing.functions:slow_add", DataTypes.createStructField("sum", DataTypes.LongType, true))
                .input("a").input("b").input("seconds")
                .maxInFlight(8)
                .build();

        CompletableFuture<List<Row>> job = CompletableFuture.supplyAsync(() -> t.apply(withDelay).collectAsList());
        SparkTests.until("the job's pool has run 300 calls", () -> !TaipanSparkPools.entries().isEmpty()
                && TaipanSparkPools.entries().get(0).pool.stats().callsCompleted() >= 300);
        TaipanSparkPools.Entry entry = TaipanSparkPools.entries().get(0);
        TaipanPool pool = entry.pool;
        long victim = pool.workers().get(0).pid();
        assertFalse(job.isDone(), "the job ended before a worker could be killed: make it longer");
        ProcessHandle.of(victim).orElseThrow().destroyForcibly();

        List<Row> out = job.get(SparkTests.WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(n, out.size());
        for (Row r : out) {
            assertNull(r.getAs(TaipanTransform.DEFAULT_ERROR_COLUMN), r.toString());
            assertEquals(r.getLong(0) + 1000L, r.<Long>getAs("sum"), r.toString());
        }
        PoolStats stats = pool.stats();
        assertTrue(stats.workersReplaced() >= 1, stats.toString());
        // The runs on the killed worker were started again, by the pool or by the transform.
        assertTrue(stats.callsRetried() + entry.rowRetries.sum() >= 1, stats + " rowRetries=" + entry.rowRetries.sum());
    }

    /** 50 rows for Python's add(a, b): text + text, but for row 17, whose b is null (str + None: a TypeError). */
    private Dataset<Row> withOneBadRow() {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("a", DataTypes.StringType)
                .add("b", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (long i = 0; i < 50; i++) {
            rows.add(RowFactory.create(i, "row" + i, i == 17 ? null : "!"));
        }
        return spark.createDataFrame(rows, schema).coalesce(1);
    }

    private TaipanTransform.Builder add(String pool) {
        return TaipanTransform.builder()
                .pool(SparkTests.poolProperties(pool, FUNCTIONS))
                .python("taipan_testing.functions:add", DataTypes.createStructField("sum", DataTypes.StringType, true))
                .input("a").input("b")
                .maxInFlight(4);
    }

    @Test
    void aBadRowGetsItsErrorAndTheOthersTheirResults() {
        List<Row> out = add("spark-bad-row").build().apply(withOneBadRow()).collectAsList();
        assertEquals(50, out.size());
        for (int i = 0; i < out.size(); i++) {
            Row r = out.get(i);
            assertEquals(i, r.getLong(0), "rows in order");
            String error = r.getAs(TaipanTransform.DEFAULT_ERROR_COLUMN);
            if (i == 17) {
                assertNull(r.getAs("sum"), r.toString());
                assertNotNull(error, r.toString());
                assertTrue(error.contains("TypeError"), error);
            } else {
                assertNull(error, r.toString());
                assertEquals("row" + i + "!", r.getAs("sum"), r.toString());
            }
        }
    }

    @Test
    void aBadRowFailsTheJobWhenAskedTo() {
        Dataset<Row> out = add("spark-bad-row-fails").failOnError(true).build().apply(withOneBadRow());
        Exception e = assertThrows(Exception.class, out::collectAsList);
        StringBuilder chain = new StringBuilder();
        for (Throwable c = e; c != null; c = c.getCause()) {
            chain.append(c).append('\n');
        }
        assertTrue(chain.toString().contains(TaipanSparkException.class.getName()), chain.toString());
        assertTrue(chain.toString().contains("row 17 of the partition failed"), chain.toString());
        assertTrue(chain.toString().contains("TypeError"), chain.toString());
    }
}
