package dev.taipan.test;

import dev.taipan.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The public API of taipan-test is what api/taipan-test.api says: changing it means changing
 * that file too (the failure says how to regenerate it), so no change to the API is an accident.
 */
class PublicApiTest {
    @Test
    void matchesTheCheckedInDump() throws Exception {
        PublicApi.check(TaipanPoolTest.class, Path.of("api/taipan-test.api"));
    }
}
