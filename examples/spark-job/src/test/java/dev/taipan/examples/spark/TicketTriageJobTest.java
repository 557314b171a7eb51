package dev.taipan.examples.spark;

import dev.taipan.dspy.LocalLmServer;
import dev.taipan.spark.TaipanSparkPools;
import dev.taipan.spark.TaipanTransform;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example job, end to end in local mode: JSON Lines and CSV in, Parquet out, read back. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("python")
@Tag("dspy")
class TicketTriageJobTest {
    private LocalLmServer server;
    private SparkSession spark;
    @TempDir
    Path dir;

    @BeforeAll
    void start() {
        server = LocalLmServer.start(TicketTriageJob.python());
        spark = TicketTriageJob.localSpark();
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

    @Test
    void jsonLinesAndCsvInParquetOut() {
        TaipanTransform triage = TicketTriageJob.transform(TicketTriageJob.localPool(TicketTriageJob.python()),
                TicketTriageJob.localLm(server));
        for (String name : List.of("tickets.jsonl", "tickets.csv")) {
            Path in = dir.resolve(name);
            Path out = dir.resolve(name + ".parquet");
            TicketTriageJob.generate(in, 300);
            TicketTriageJob.Result r = TicketTriageJob.run(spark, triage, in, out);
            assertEquals(300, r.rows(), name);
            assertEquals(0, r.failed(), name);

            var written = spark.read().parquet(out.toString());
            assertEquals(DataTypes.LongType, written.schema().apply("priority").dataType());
            List<Row> rows = written.orderBy("id").collectAsList();
            for (int i = 0; i < rows.size(); i++) {
                Row row = rows.get(i);
                assertEquals(i, row.getLong(row.fieldIndex("id")));
                assertTrue(row.getString(row.fieldIndex("subject")).endsWith("(#" + i + ")"), row.toString());
                assertTrue(Set.of("billing", "bug", "account", "other").contains(row.<String>getAs("category")),
                        row.toString());
                assertNull(row.getAs(TaipanTransform.DEFAULT_ERROR_COLUMN), row.toString());
            }
        }
    }
}
