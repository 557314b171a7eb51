package dev.taipan.spark;

import dev.taipan.PoolHealth;
import dev.taipan.TaipanPool;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.taipan.spark.SparkTests.FUNCTIONS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** The executor's pools end with the executor: Spark stops it, the plugin closes them. */
@Tag("python")
class TaipanSparkPluginTest {
    @AfterAll
    static void closePools() {
        TaipanSparkPools.closeAll();
    }

    @Test
    void stoppingSparkClosesTheExecutorsPools() {
        SparkSession spark = SparkTests.session("taipan-spark-plugin-test");
        TaipanPool pool;
        try {
            TaipanTransform t = TaipanTransform.builder()
                    .pool(SparkTests.poolProperties("spark-plugin", FUNCTIONS))
                    .python("taipan_testing.functions:add", DataTypes.createStructField("sum", DataTypes.LongType, true))
                    .input("a", "id").input("b", "id")
                    .build();
            List<Row> out = t.apply(spark.range(0, 10, 1, 2).toDF()).collectAsList();
            assertEquals(10, out.size());
            assertEquals(18L, out.get(9).<Long>getAs("sum"));
            assertEquals(1, TaipanSparkPools.size());
            pool = TaipanSparkPools.entries().get(0).pool;
            assertNotEquals(PoolHealth.Status.CLOSED, pool.health().status());
        } finally {
            spark.stop();
        }
        assertEquals(0, TaipanSparkPools.size());
        assertEquals(PoolHealth.Status.CLOSED, pool.health().status());
    }
}
