package dev.taipan.python;

import dev.taipan.TestPools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The worker runtime the build copies into the jar: exactly the package's sources, indexed. Runs no Python. */
class RuntimeFilesTest {
    @TempDir
    Path dir;

    private static List<String> sourcesInTheCheckout() throws IOException {
        Path python = TestPools.repo().resolve("python");
        try (Stream<Path> all = Files.walk(python.resolve("taipan_worker"))) {
            return all.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".py") || p.getFileName().toString().equals("py.typed"))
                    .filter(p -> !p.toString().contains("__pycache__"))
                    .map(p -> python.relativize(p).toString().replace('\\', '/'))
                    .sorted().collect(Collectors.toList());
        }
    }

    @Test
    void theJarCarriesExactlyThePackagesSourcesWithAHash() throws IOException {
        RuntimeFiles runtime = RuntimeFiles.inThisJar();
        assertEquals(sourcesInTheCheckout(), runtime.files());
        assertTrue(runtime.files().contains("taipan_worker/__main__.py"), runtime.files().toString());
        assertTrue(runtime.sha256().matches("[0-9a-f]{64}"), runtime.sha256());
        assertTrue(runtime.version().matches("\\d+\\.\\d+\\.\\d+.*"), runtime.version());
    }

    @Test
    void extractingWritesTheSameBytes() throws IOException {
        RuntimeFiles runtime = RuntimeFiles.inThisJar();
        runtime.extractTo(dir);
        Path python = TestPools.repo().resolve("python");
        for (String f : runtime.files()) {
            assertArrayEquals(Files.readAllBytes(python.resolve(f)), Files.readAllBytes(dir.resolve(f)), f);
        }
    }

    @Test
    void anIndexEntryOutsideThePackageIsRefused() {
        String index = "version=1\nsha256=" + "0".repeat(64) + "\nfile=taipan_worker/../../evil.py\n";
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> RuntimeFiles.parse(new java.io.BufferedReader(new java.io.StringReader(index))));
        assertTrue(e.getMessage().contains("evil.py"), e.getMessage());
    }

    @Test
    void credentialsInUrlsAreMaskedInWhatIsShown() {
        assertEquals("pip install 'pkg @ https://***@example.org/p.whl' --index-url https://***@idx/simple",
                Tool.describe(List.of("pip", "install", "pkg @ https://user:s3cret@example.org/p.whl",
                        "--index-url", "https://tok3n@idx/simple")));
    }
}
