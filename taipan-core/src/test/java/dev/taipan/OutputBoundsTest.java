package dev.taipan;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whatever a worker prints, the JVM's memory for it stays bounded and the worker keeps serving. */
@Tag("python")
class OutputBoundsTest {
    /** A 300 MB line, in a JVM whose whole heap is 64 MB. */
    @Test
    void aWorkerPrintingA300MegabyteLineKeepsServingInA64MegabyteHeap() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                HugeLineChildJvm.class.getName(), TestPools.python(), Long.toString(300L * 1024 * 1024))
                .redirectErrorStream(true)
                .start();
        try {
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish in 120 s");
            String out = output(child);
            assertEquals(0, child.exitValue(), out);
            assertTrue(out.contains("OK max heap"), out);
        } finally {
            child.destroyForcibly();
        }
    }

    private static String output(Process p) throws IOException {
        byte[] all = p.getInputStream().readAllBytes();
        String s = new String(all, StandardCharsets.UTF_8);
        return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    }
}
