package dev.taipan;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PoolListenersTest {
    private static final PoolListener.CallEnd END = new PoolListener.CallEnd("m:f", true, "w-1",
            Duration.ofMillis(5), Duration.ofMillis(2), PoolListener.Outcome.SUCCESS);

    /** A listener written for the old four-argument callback, recording what it is told. */
    private static PoolListener recording(String name, List<String> seen) {
        return new PoolListener() {
            @Override
            public void callCompleted(String function, String workerId, Duration d, Outcome outcome) {
                seen.add(name + ":" + function + ":" + workerId + ":" + outcome);
            }
        };
    }

    @Test
    void builderAddsEveryListenerInOrderAndOldCallbacksStillHearCallEnds() {
        List<String> seen = new ArrayList<>();
        PoolConfig config = PoolConfig.builder().name("l").listener(recording("a", seen))
                .listener(recording("b", seen)).build();
        config.listener().callCompleted(END);
        assertEquals(List.of("a:m:f:w-1:SUCCESS", "b:m:f:w-1:SUCCESS"), seen);
    }

    @Test
    void aThrowingListenerDoesNotKeepTheNextFromBeingTold() {
        List<String> seen = new ArrayList<>();
        PoolListener throwing = new PoolListener() {
            @Override
            public void circuitOpened(int n) {
                throw new IllegalStateException("boom " + n);
            }
        };
        PoolListener second = new PoolListener() {
            @Override
            public void circuitOpened(int n) {
                seen.add("told " + n);
            }
        };
        PoolListener all = PoolListener.all(throwing, second);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> all.circuitOpened(3));
        assertEquals("boom 3", e.getMessage()); // rethrown for the pool to log
        assertEquals(List.of("told 3"), seen);
    }

    @Test
    void noneIsLeftOutAndResets() {
        PoolListener one = recording("a", new ArrayList<>());
        assertSame(one, PoolListener.all(PoolListener.NONE, one, PoolListener.NONE));
        assertSame(PoolListener.NONE, PoolListener.all());
        assertSame(PoolListener.NONE, PoolConfig.builder().name("l").listener(one).listener(PoolListener.NONE)
                .build().listener());
        assertTrue(PoolListener.all(one, one).toString().startsWith("PoolListener.all"));
    }

    @Test
    void aNullListenerIsRefusedByName() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> PoolConfig.builder().listener(null));
        assertEquals("listener", e.getMessage());
    }
}
