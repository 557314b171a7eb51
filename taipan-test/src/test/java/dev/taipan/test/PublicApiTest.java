package dev.taipan.dspy.testing;

import dev.taipan.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The public API of taipan-dspy-testing is what api/taipan-dspy-testing.api says: changing it means changing
 * that file too (the failure says how to regenerate it), so no change to the API is an accident.
 */
class PublicApiTest {
    @Test
    void matchesTheCheckedInDump() throws Exception {
        PublicApi.check(MockDspy.class, Path.of("api/taipan-dspy-testing.api"));
    }
}
