package dev.taipan;

import dev.taipan.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The public API of taipan-core is what api/taipan-core.api says: changing it means changing
 * that file too (the failure says how to regenerate it), so no change to the API is an accident.
 */
class PublicApiTest {
    @Test
    void matchesTheCheckedInDump() throws Exception {
        PublicApi.check(TaipanPool.class, Path.of("api/taipan-core.api"));
    }
}
