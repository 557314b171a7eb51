package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every setting's range, walked at its edges: min-1 and max+1 are refused with a message
 * naming the setting and its range, min and max are accepted (durations in nanoseconds).
 */
class ConfigRangesTest {
    private static final long MS = 1_000_000L;
    private static final long MAX_D = PoolConfig.MAX_DURATION.toNanos();

    /** One setting: how to set it, its range, and whether max+1 is representable. */
    private record Setting(String name, BiConsumer<PoolConfig.Builder, Long> set, long min, long max) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Duration ns(long v) {
        return Duration.ofNanos(v);
    }

    private static List<Setting> settings() {
        return List.of(
                new Setting("workers", (b, v) -> b.workers(Math.toIntExact(v)), 1, 1024),
                new Setting("slots", (b, v) -> b.slots(Math.toIntExact(v)), 1, 10_000),
                new Setting("maxWaiting", (b, v) -> b.maxWaiting(Math.toIntExact(v)), 0, 1_000_000),
                new Setting("maxFrameBytes", (b, v) -> b.maxFrameBytes(Math.toIntExact(v)), 1024, 1 << 30),
                new Setting("maxConsecutiveStartFailures", (b, v) -> b.maxConsecutiveStartFailures(Math.toIntExact(v)),
                        1, 10_000),
                new Setting("streamWindow", (b, v) -> b.streamWindow(Math.toIntExact(v)), 1, 65_536),
                new Setting("streamWindowBytes", (b, v) -> b.streamWindowBytes(Math.toIntExact(v)), 1024, 1 << 30),
                new Setting("recycleAfterCalls", PoolConfig.Builder::recycleAfterCalls, 0, Long.MAX_VALUE),
                new Setting("recycleAboveRss", PoolConfig.Builder::recycleAboveRss, 0, Long.MAX_VALUE),
                new Setting("startTimeout", (b, v) -> b.startTimeout(ns(v)), MS, MAX_D),
                new Setting("callTimeout", (b, v) -> b.callTimeout(ns(v)), MS, MAX_D),
                new Setting("acquireTimeout", (b, v) -> b.acquireTimeout(ns(v)), MS, MAX_D),
                new Setting("drainTimeout", (b, v) -> b.drainTimeout(ns(v)), 0, MAX_D),
                new Setting("killTimeout", (b, v) -> b.killTimeout(ns(v)), 0, MAX_D),
                new Setting("sessionIdleTimeout", (b, v) -> b.sessionIdleTimeout(ns(v)), MS, MAX_D),
                new Setting("restartBackoff", (b, v) -> b.restartBackoff(ns(v), PoolConfig.MAX_DURATION), 0, MAX_D),
                new Setting("maxRestartBackoff", (b, v) -> b.restartBackoff(Duration.ZERO, ns(v)), MS, MAX_D),
                new Setting("circuitRetryInterval", (b, v) -> b.circuitRetryInterval(ns(v)), MS, MAX_D),
                new Setting("heartbeatInterval", (b, v) -> b.heartbeatInterval(ns(v)), 10 * MS, MAX_D),
                new Setting("recycleAfter", (b, v) -> b.recycleAfter(ns(v)), 0, MAX_D));
    }

    static Stream<Arguments> edges() {
        List<Arguments> out = new ArrayList<>();
        for (Setting s : settings()) {
            out.add(Arguments.of(s, s.min() - 1, false));
            out.add(Arguments.of(s, s.min(), true));
            out.add(Arguments.of(s, s.max(), true));
            if (s.max() < Long.MAX_VALUE) { // else max+1 is not a long: nothing to refuse
                out.add(Arguments.of(s, s.max() + 1, false));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} = {1}: accepted {2}")
    @MethodSource("edges")
    void everySettingIsCheckedAtItsEdges(Setting setting, long value, boolean accepted) {
        PoolConfig.Builder b = PoolConfig.builder();
        setting.set().accept(b, value);
        if (accepted) {
            assertDoesNotThrow(b::build);
        } else {
            String message = assertThrows(IllegalArgumentException.class, b::build).getMessage();
            assertTrue(message.contains(setting.name() + " must be"), message);
            assertTrue(message.contains("got"), message);
        }
    }

    @Test
    void theHeartbeatIsZeroForOffOrAtLeastTenMilliseconds() {
        assertDoesNotThrow(() -> PoolConfig.builder().heartbeatInterval(Duration.ZERO).build());
        String m = assertThrows(IllegalArgumentException.class,
                () -> PoolConfig.builder().heartbeatInterval(Duration.ofNanos(-1)).build()).getMessage();
        assertTrue(m.contains("heartbeatInterval"), m);
    }

    @Test
    void aTimeoutThatWouldOverflowIsRefusedAtBuildNotAtTheFirstCall() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> PoolConfig.builder().callTimeout(Duration.ofDays(365_000)).build()).getMessage();
        assertTrue(m.contains("callTimeout must be between 1 ms and " + PoolConfig.MAX_DURATION), m);
        assertThrows(IllegalArgumentException.class, () -> PoolConfig.builder().callTimeout(null).build());
    }

    @Test
    void aPerCallTimeoutIsCheckedAtItsEdges() {
        for (Duration bad : List.of(Duration.ZERO, Duration.ofNanos(MS - 1), PoolConfig.MAX_DURATION.plusNanos(1),
                Duration.ofDays(365_000), Duration.ofSeconds(-1))) {
            String m = assertThrows(IllegalArgumentException.class, () -> CallOptions.timeout(bad)).getMessage();
            assertTrue(m.contains("timeout must be between 1 ms and " + PoolConfig.MAX_DURATION), m);
        }
        assertEquals(Duration.ofMillis(1), CallOptions.timeout(Duration.ofMillis(1)).timeoutOrNull());
        assertEquals(PoolConfig.MAX_DURATION, CallOptions.timeout(PoolConfig.MAX_DURATION).timeoutOrNull());
    }

    @Test
    @Tag("python")
    void aPoolWithEveryDurationAtItsMaximumWorks() throws Exception {
        Duration max = PoolConfig.MAX_DURATION;
        try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).startTimeout(max).callTimeout(max)
                .acquireTimeout(max).sessionIdleTimeout(max).circuitRetryInterval(max).heartbeatInterval(max)
                .recycleAfter(max).restartBackoff(max, max).drainTimeout(Duration.ofSeconds(2)).build())) {
            assertEquals(3L, pool.call("taipan_testing.functions:add", List.of(1, 2)));
            assertEquals(3L, pool.callAsync("taipan_testing.functions:add", List.of(1, 2), CallOptions.timeout(max))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS));
            try (Session s = pool.openSession()) {
                assertEquals(1L, s.call("taipan_testing.functions:counter", Map.of("by", 1)));
            }
        }
    }
}
