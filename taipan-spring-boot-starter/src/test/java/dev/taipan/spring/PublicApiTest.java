package dev.taipan.spring;

import dev.taipan.apicheck.PublicApi;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/** The starter's public API is what api/taipan-spring-boot-starter.api says. */
class PublicApiTest {
    @Test
    void matchesTheCheckedInDump() throws Exception {
        PublicApi.check(TaipanAutoConfiguration.class, Path.of("api/taipan-spring-boot-starter.api"));
    }
}
