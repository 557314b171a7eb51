package dev.taipan.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PSS reader of {@code taipan bench memory}, on this JVM's own process. */
class ProcMemoryTest {
    @Test
    @Timeout(10)
    void readsThisJvmsPssRssAndPrivateMemory() throws IOException {
        ProcMemory.Usage u = ProcMemory.read(ProcessHandle.current().pid());
        assertTrue(u.pssKb() > 0, "PSS > 0: " + u);
        assertTrue(u.pssKb() <= u.rssKb(), "PSS <= RSS: " + u);
        assertTrue(u.privateKb() <= u.pssKb(), "private <= PSS: " + u);
        // A JVM is tens of MiB at least.
        assertTrue(u.rssKb() > 10 * 1024, "RSS of a JVM: " + u);
    }

    @Test
    void parsesKilobyteLines() {
        assertEquals(266, ProcMemory.kb("Pss:                 266 kB"));
        assertEquals(0, ProcMemory.kb("Private_Dirty:         0 kB"));
    }

    @Test
    void aProcessThatIsGoneIsAnError() {
        assertThrows(IOException.class, () -> ProcMemory.read(Long.MAX_VALUE / 2));
    }
}
