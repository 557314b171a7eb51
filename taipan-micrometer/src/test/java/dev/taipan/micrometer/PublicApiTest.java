package dev.taipan.micrometer;

import dev.taipan.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The public API of taipan-micrometer is what api/taipan-micrometer.api says: changing it means
 * changing that file too (the failure says how to regenerate it).
 */
class PublicApiTest {
    @Test
    void matchesTheCheckedInDump() throws Exception {
        PublicApi.check(TaipanMetrics.class, Path.of("api/taipan-micrometer.api"));
    }
}
