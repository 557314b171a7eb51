package dev.taipan;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SmokeTest {
    @Test
    void pingAndAdd() {
        try (TaipanPool pool = TaipanPool.start(TestPools.config().build())) {
            assertEquals("pong", pool.call("ping"));
            assertEquals(5L, pool.call("taipan_worker.testing:add", List.of(2, 3)));
        }
    }
}
