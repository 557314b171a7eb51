package dev.taipan.examples.spark;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.BatchResult;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.LocalLmServer;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;
import dev.taipan.spark.DspyProgramSpec;
import dev.taipan.spark.LmSpec;
import dev.taipan.spark.TaipanSparkPlugin;
import dev.taipan.spark.TaipanSparkPools;
import dev.taipan.spark.TaipanTransform;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A Spark batch job: support tickets in (JSON Lines or CSV: {@code id}, {@code subject},
 * {@code body}), a DSPy program triages each one on the executors' Taipan pools, Parquet out
 * with the category, priority and tags columns (and {@code taipan_error}, null when the row's
 * run succeeded).
 *
 * <pre>
 * TicketTriageJob --generate 2000 tickets.jsonl      # write sample tickets
 * TicketTriageJob tickets.jsonl triaged.parquet      # the job
 * TicketTriageJob --compare tickets.jsonl            # rows/s: Spark local[2] against one pool, same data
 * </pre>
 *
 * It runs offline against Taipan's local LM server, whose answers are placeholders of the
 * right types. With a real model, give {@link #program} an {@code LmSpec.of("openai/gpt-4o-mini")
 * .apiKeyFromEnv("OPENAI_API_KEY")}: each executor reads the key from its own environment.
 */
public final class TicketTriageJob {
    private TicketTriageJob() {
    }

    /** What a job did. */
    public record Result(long rows, long failed, double seconds) {
        /** {@return the rows per second} */
        public double rowsPerSecond() {
            return rows / seconds;
        }
    }

    /** The triage signature: two text inputs, a label, an int and a list out. */
    public static Signature signature() {
        return Signature.builder()
                .instructions("Triage the customer support ticket.")
                .input("subject", FieldType.STR, "the ticket's subject line")
                .input("body", FieldType.STR, "the ticket's text")
                .output("category", FieldType.oneOf("billing", "bug", "account", "other"), null)
                .output("priority", FieldType.INT, "1 (urgent) to 4 (low)")
                .output("tags", FieldType.listOf(FieldType.STR), "a few keywords")
                .build();
    }

    /** The program, as it is shipped to the executors. */
    public static DspyProgramSpec program(LmSpec lm) {
        return DspyProgramSpec.predict(signature()).lm(lm);
    }

    /** The pool each executor starts: two workers of four slots that can run DSPy. */
    public static Properties poolProperties(String python) {
        Properties p = new Properties();
        p.setProperty("taipan.pool.name", "triage");
        p.setProperty("taipan.pool.python", python);
        p.setProperty("taipan.pool.modules", "taipan_worker.dspy");
        p.setProperty("taipan.pool.workers", "2");
        p.setProperty("taipan.pool.slots", "4");
        p.setProperty("taipan.pool.start-timeout", "120s");
        p.setProperty("taipan.pool.call-timeout", "60s");
        return p;
    }

    /** The local LM server's model. */
    public static LmSpec localLm(LocalLmServer server) {
        return LmSpec.of("openai/local").apiBase(server.url()).cache(false).numRetries(0);
    }

    /**
     * The pool for the local LM server: its workers' OPENAI_API_KEY is the server's placeholder
     * (the OpenAI client wants one). A real key never goes here: name an executor's variable
     * with {@code LmSpec.apiKeyFromEnv}, or {@code taipan.pool.secret-from-env.OPENAI_API_KEY}.
     */
    public static Properties localPool(String python) {
        Properties p = poolProperties(python);
        p.setProperty("taipan.pool.env.OPENAI_API_KEY", "local-placeholder-key");
        return p;
    }

    /** Tickets from JSON Lines ({@code .jsonl}, {@code .json}) or CSV with a header ({@code .csv}). */
    public static Dataset<Row> read(SparkSession spark, Path input) {
        String name = input.getFileName().toString();
        if (name.endsWith(".csv")) {
            return spark.read().option("header", "true").schema("id LONG, subject STRING, body STRING")
                    .csv(input.toString());
        }
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            return spark.read().schema("id LONG, subject STRING, body STRING").json(input.toString());
        }
        throw new IllegalArgumentException(input + ": expected a .jsonl, .json or .csv file");
    }

    /** Reads, triages, writes Parquet (replacing {@code output}); the count comes from the written files. */
    public static Result run(SparkSession spark, TaipanTransform triage, Path input, Path output) {
        long start = System.nanoTime();
        triage.apply(read(spark, input)).write().mode(SaveMode.Overwrite).parquet(output.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        Dataset<Row> written = spark.read().parquet(output.toString());
        long failed = written.filter(written.col(TaipanTransform.DEFAULT_ERROR_COLUMN).isNotNull()).count();
        return new Result(written.count(), failed, seconds);
    }

    /** The transform of this job. */
    public static TaipanTransform transform(Properties pool, LmSpec lm) {
        return TaipanTransform.builder()
                .pool(pool)
                .dspy(program(lm))
                .maxInFlight(8)
                .build();
    }

    /** Writes {@code n} sample tickets as JSON Lines or CSV (by the file's extension). */
    public static void generate(Path file, int n) {
        String[][] kinds = {
                {"Charged twice", "My card was charged twice for the May invoice."},
                {"App crashes on login", "Since the update the app closes right after I log in."},
                {"Cannot reset password", "The reset link says it has expired, every time."},
                {"Question about plans", "Does the team plan include priority support?"}};
        boolean csv = file.getFileName().toString().endsWith(".csv");
        List<String> lines = new ArrayList<>();
        if (csv) {
            lines.add("id,subject,body");
        }
        for (int i = 0; i < n; i++) {
            String[] k = kinds[i % kinds.length];
            String subject = k[0] + " (#" + i + ")";
            String body = k[1] + " Account " + (1000 + i) + ".";
            lines.add(csv ? i + ",\"" + subject + "\",\"" + body + "\""
                    : "{\"id\": " + i + ", \"subject\": \"" + subject + "\", \"body\": \"" + body + "\"}");
        }
        try {
            Files.write(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A local Spark session with two task threads, the plugin closing the pools at its end. */
    public static SparkSession localSpark() {
        return SparkSession.builder().master("local[2]").appName("ticket-triage")
                .config("spark.ui.enabled", "false")
                .config("spark.plugins", TaipanSparkPlugin.class.getName())
                .getOrCreate();
    }

    /**
     * Rows per second of the same tickets through Spark ({@code local[2]}, its one executor's
     * pool) and through one pool in this JVM ({@link Program#batch} with the same number of
     * runs in flight as Spark's two partitions), alternating, {@code rounds} times each.
     * Both pools are started and warmed before timing.
     */
    public static Map<String, double[]> compare(SparkSession spark, Properties pool, LmSpec lm, Path input,
                                                int rounds) {
        TaipanTransform triage = transform(pool, lm);
        List<Map<String, ?>> rows = new ArrayList<>();
        for (Row r : read(spark, input).collectAsList()) {
            rows.add(Map.of("subject", r.getString(1), "body", r.getString(2)));
        }
        Properties props = new Properties();
        props.putAll(pool);
        props.setProperty("taipan.pool.name", "triage-one-jvm");
        double[] sparkRates = new double[rounds];
        double[] poolRates = new double[rounds];
        try (TaipanPool one = TaipanPool.start(PoolConfig.from(props))) {
            Program program = Dspy.on(one).lm(localLmOf(lm)).predict(signature());
            program.batch(rows.subList(0, Math.min(50, rows.size())), 16);      // warm-up
            triage.apply(read(spark, input)).count();                               // starts and warms Spark's pool
            for (int i = 0; i < rounds; i++) {
                long t0 = System.nanoTime();
                long n = triage.apply(read(spark, input)).filter("taipan_error is null").count();
                sparkRates[i] = n / ((System.nanoTime() - t0) / 1e9);
                t0 = System.nanoTime();
                List<BatchResult> done = program.batch(rows, 16);
                long ok = done.stream().filter(BatchResult::ok).count();
                poolRates[i] = ok / ((System.nanoTime() - t0) / 1e9);
            }
        } finally {
            TaipanSparkPools.closeAll();
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        out.put("spark local[2]", sparkRates);
        out.put("one pool, one JVM", poolRates);
        return out;
    }

    private static dev.taipan.dspy.Lm localLmOf(LmSpec lm) {
        dev.taipan.dspy.Lm l = dev.taipan.dspy.Lm.of(lm.model()).apiBase(lm.apiBase()).cache(false).numRetries(0);
        return lm.apiKeyEnv() == null ? l : l.apiKeyFromEnv(lm.apiKeyEnv());
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String python() {
        String p = System.getProperty("taipan.python", System.getenv("TAIPAN_PYTHON_EXEC"));
        if (p != null && !p.isBlank()) {
            return p;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve(".venv/bin/python"))) {
                return d.resolve(".venv/bin/python").toString();
            }
        }
        throw new IllegalStateException("no Python found: set TAIPAN_PYTHON_EXEC, or run bin/taipan setup");
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        if (args.length == 3 && args[0].equals("--generate")) {
            generate(Path.of(args[2]), Integer.parseInt(args[1]));
            out.println("wrote " + args[1] + " tickets to " + args[2]);
            return;
        }
        boolean compare = args.length == 2 && args[0].equals("--compare");
        if (!compare && args.length != 2) {
            System.err.println("usage: TicketTriageJob INPUT.jsonl|INPUT.csv OUTPUT.parquet | --compare INPUT"
                    + " | --generate N FILE");
            System.exit(2);
        }
        String python = python();
        try (LocalLmServer server = LocalLmServer.start(python)) {
            SparkSession spark = localSpark();
            try {
                LmSpec lm = localLm(server);
                if (compare) {
                    Map<String, double[]> rates = compare(spark, localPool(python), lm, Path.of(args[1]), 5);
                    rates.forEach((k, v) -> out.printf("%-18s rows/s median %.1f  rounds %s%n", k, median(v),
                            Arrays.toString(Arrays.stream(v).map(x -> Math.round(x * 10) / 10.0).toArray())));
                    out.printf("ratio spark/one-pool %.2f%n",
                            median(rates.get("spark local[2]")) / median(rates.get("one pool, one JVM")));
                } else {
                    Result r = run(spark, transform(localPool(python), lm), Path.of(args[0]), Path.of(args[1]));
                    out.printf("%d rows (%d failed) in %.1f s: %.1f rows/s -> %s%n", r.rows(), r.failed(),
                            r.seconds(), r.rowsPerSecond(), args[1]);
                }
            } finally {
                spark.stop();
            }
        }
    }
}
