package dev.taipan.opentelemetry;

import dev.taipan.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/** The public API of taipan-opentelemetry is what api/taipan-opentelemetry.api says. */
class PublicApiTest {
    @Test
    void matchesTheCheckedInDump() throws Exception {
        PublicApi.check(TaipanTracing.class, Path.of("api/taipan-opentelemetry.api"));
    }
}
