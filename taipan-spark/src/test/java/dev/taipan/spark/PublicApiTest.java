package dev.taipan.spark;

import dev.taipan.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The public API of taipan-spark is what api/taipan-spark.api says. The module has no descriptor
 * (Spark's jars have no module names to require), so its one package is named here.
 */
class PublicApiTest {
    @Test
    void matchesTheCheckedInDump() throws Exception {
        PublicApi.checkAutomatic(TaipanTransform.class, "dev.taipan.spark", Path.of("api/taipan-spark.api"),
                "dev.taipan.spark");
    }
}
