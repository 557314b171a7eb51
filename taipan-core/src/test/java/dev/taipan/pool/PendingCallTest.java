package dev.taipan.pool;

import dev.taipan.protocol.CallFrame;
import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each send of a call carries the time left of its one deadline. */
class PendingCallTest {
    private static final int MAX = FrameCodec.DEFAULT_MAX_FRAME_BYTES;

    private static long timeoutMs(byte[] frame) throws IOException {
        return (Long) FrameCodec.read(new ByteArrayInputStream(frame), MAX).get("timeout_ms");
    }

    @Test
    void everySendCarriesTheTimeLeftNeverTheWholeTimeoutAgain() throws IOException {
        Duration timeout = Duration.ofSeconds(10);
        CallFrame frame = CallFrame.encode(Messages.call(1, "echo", List.of(1), null, timeout.toMillis()), MAX,
                JavaValues::convertUnknown);
        PendingCall call = new PendingCall(1, "echo", frame, null, timeout);
        assertEquals(call.startNanos + timeout.toNanos(), call.deadlineNanos);
        long before = System.nanoTime();
        byte[] first = call.frameToSend();
        long firstLeft = timeoutMs(first);
        long bound = PendingCall.millisLeft(call.deadlineNanos - before);
        assertTrue(firstLeft <= bound && firstLeft <= timeout.toMillis(), firstLeft + " > " + bound);
        byte[] again = call.frameToSend();
        assertNotSame(first, again);
        assertTrue(timeoutMs(again) <= firstLeft, "a later send never gets more time");
        assertEquals(firstLeft, timeoutMs(first), "the first frame, maybe still queued, is unchanged");
    }

    @Test
    void timeLeftIsRoundedUpToTheMillisecondAndIsAtLeastOne() {
        assertEquals(1, PendingCall.millisLeft(-5_000_000_000L), "past the deadline: its own timer ends it");
        assertEquals(1, PendingCall.millisLeft(0));
        assertEquals(1, PendingCall.millisLeft(1));
        assertEquals(1, PendingCall.millisLeft(1_000_000));
        assertEquals(2, PendingCall.millisLeft(1_000_001));
        assertEquals(2, PendingCall.millisLeft(2_000_000));
        assertEquals(30_000, PendingCall.millisLeft(29_999_000_001L));
    }
}
