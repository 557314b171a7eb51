package dev.taipan.test;

import dev.taipan.TaipanPool;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example of docs/TESTING.md, run as it is written there (the second test checks that). */
@Tag("python")
@TaipanPoolTest(modules = "taipan_testing.functions", workers = 2)
class DocsExampleTest {
    @Test
    void adds(TaipanPool pool) {
        assertEquals(5L, pool.call("taipan_testing.functions:add", List.of(2, 3), Long.class));
    }

    @Test
    void theDocsShowThisClass() throws IOException {
        String docs = Files.readString(Path.of(System.getProperty("taipan.repo", ".."), "docs", "TESTING.md"));
        String self = Files.readString(Path.of("src/test/java/dev/taipan/test/DocsExampleTest.java"));
        int start = docs.indexOf("```java\n");
        assertTrue(start >= 0, "docs/TESTING.md has no java block");
        for (String line : docs.substring(start + 8, docs.indexOf("```", start + 8)).split("\n")) {
            assertTrue(self.contains(line.strip()), "docs/TESTING.md shows a line this class does not have: " + line);
        }
    }
}
