package dev.taipan.bench;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The benchmark peers really call Python and get the echoed value back, so that the
 * comparisons in {@code taipan bench overhead/payload} cannot rot silently. Needs the project
 * venv with the "bench" extra (py4j), which {@code bin/taipan setup} installs.
 */
@Tag("python")
class PeersTest {
    @Test
    @Timeout(60)
    void py4jPeerEchoesWhatJavaPasses() throws Exception {
        long pid;
        try (Py4jPeer peer = Py4jPeer.start(VenvPython.path(), Duration.ofSeconds(50))) {
            pid = peer.pid();
            for (int i = 0; i < 5; i++) {
                assertEquals(i, peer.echo(i));
            }
            assertEquals("héllo", peer.echo("héllo"));
            byte[] data = new byte[100_000];
            new Random(7).nextBytes(data);
            Object back = peer.echo(data);
            assertInstanceOf(byte[].class, back);
            assertArrayEquals(data, (byte[]) back);

            // Several Java threads at once, as in the 16-caller scenario.
            ExecutorService threads = Executors.newFixedThreadPool(4);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int base = t * 1000;
                    results.add(threads.submit((Callable<Boolean>) () -> {
                        for (int i = 0; i < 10; i++) {
                            assertEquals(base + i, peer.echo(base + i));
                        }
                        return true;
                    }));
                }
                for (Future<Boolean> f : results) {
                    assertTrue(f.get());
                }
            } finally {
                threads.shutdownNow();
            }
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "the Py4J peer's Python process outlived close()");
    }

    @Test
    @Timeout(60)
    void processPerCallPeerEchoesItsArgument() throws Exception {
        ProcessPerCallPeer peer = new ProcessPerCallPeer(VenvPython.path());
        for (String value : List.of("1", "héllo wörld", "a b\tc")) {
            assertEquals(value, peer.echo(value));
        }
    }
}
