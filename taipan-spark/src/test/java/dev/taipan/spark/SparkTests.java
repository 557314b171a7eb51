package dev.taipan.spark;

import org.apache.spark.sql.SparkSession;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** What the Spark tests share: the local session, the pool's properties, waiting on a condition. */
final class SparkTests {
    /** How long an "eventually" may take on a loaded 2-core machine. */
    static final Duration WAIT = Duration.ofSeconds(120);
    /** The environment variable surefire sets to the local LM server's placeholder key. */
    static final String KEY_ENV = "TAIPAN_SPARK_TEST_LM_KEY";
    /** The module of the test functions alone. */
    static final String FUNCTIONS = "taipan_testing.functions";

    private SparkTests() {
    }

    static String python() {
        String p = System.getProperty("taipan.python");
        if (p == null) {
            throw new IllegalStateException("taipan.python is not set (the Maven build sets it)");
        }
        return p;
    }

    /** Spark in local mode with two task threads, no UI, the plugin that closes the pools. */
    static SparkSession session(String app) {
        return SparkSession.builder()
                .master("local[2]")
                .appName(app)
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.plugins", TaipanSparkPlugin.class.getName())
                .getOrCreate();
    }

    /** A two-worker pool that can run DSPy and the test functions. */
    static Map<String, String> poolProperties(String name) {
        return poolProperties(name, "taipan_worker.dspy,taipan_testing.functions");
    }

    /** A two-worker pool of these modules (without DSPy's the workers start in less time). */
    static Map<String, String> poolProperties(String name, String modules) {
        Map<String, String> p = new TreeMap<>();
        p.put("taipan.pool.name", name);
        p.put("taipan.pool.python", python());
        p.put("taipan.pool.modules", modules);
        p.put("taipan.pool.workers", "2");
        p.put("taipan.pool.slots", "4");
        p.put("taipan.pool.start-timeout", "120s");
        p.put("taipan.pool.call-timeout", "60s");
        p.put("taipan.pool.drain-timeout", "2s");
        p.put("taipan.pool.kill-timeout", "2s");
        return p;
    }

    /** Waits for a state nothing signals (another thread's progress), up to {@link #WAIT}. */
    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            LockSupport.parkNanos(2_000_000); // a poll's pace, not a synchronisation
        }
    }
}
