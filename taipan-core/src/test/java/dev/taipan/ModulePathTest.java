package dev.taipan;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * taipan-core as a module, the way a user's modular application sees it (the other tests run
 * on the classpath): a consumer module that says only {@code requires dev.taipan.core} (and opens
 * its package to Jackson, for its own record) compiles, starts a pool and calls Python with
 * nothing else on its command line (no {@code --add-modules}), and cannot compile against the
 * internals.
 */
class ModulePathTest {
    @TempDir
    Path dir;

    @Test
    void aConsumerNeedsOnlyRequiresDevTaipanCore() throws Exception {
        Path out = compile("""
                package consumer;

                import dev.taipan.PoolConfig;
                import dev.taipan.TaipanPool;
                import java.util.List;
                import java.util.Map;

                public class Main {
                    public record Point(int x, int y) {
                    }

                    public static void main(String[] args) {
                        try (TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("modpath")
                                .python(args[0]).workers(1).build())) {
                            System.out.println("echo " + pool.call("echo", List.of(Map.of("k", List.of(1, 2)))));
                            System.out.println("point " + pool.call("echo", List.of(new Point(3, 4)), Point.class));
                        }
                    }
                }
                """);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", out + File.pathSeparator + modulePath(), "-m", "consumer/consumer.Main",
                TestPools.python());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("echo {k=[1, 2]}"), output);
        assertTrue(output.contains("point Point[x=3, y=4]"), output);
    }

    @Test
    void theInternalsAreNotExportedToUsers() throws Exception {
        for (String internal : List.of("dev.taipan.pool.PoolEngine", "dev.taipan.pool.JavaValues",
                "dev.taipan.protocol.FrameCodec")) {
            String pkg = internal.substring(0, internal.lastIndexOf('.'));
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            int rc = javac(errors, """
                    package consumer;

                    public class Main {
                        static final Class<?> INTERNAL = %s.class;
                    }
                    """.formatted(internal));
            String diagnostics = errors.toString(StandardCharsets.UTF_8);
            assertNotEquals(0, rc, internal + " compiled against from outside the module");
            assertTrue(diagnostics.contains("package " + pkg + " is declared in module dev.taipan.core, which does not export it"),
                    diagnostics);
        }
    }

    private Path compile(String main) throws IOException {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac(errors, main);
        assertEquals(0, rc, errors.toString(StandardCharsets.UTF_8));
        return dir.resolve("out");
    }

    private int javac(ByteArrayOutputStream errors, String main) throws IOException {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("consumer"));
        // The opens is for Jackson, which converts the consumer's own records (README says so).
        Files.writeString(src.resolve("module-info.java"), "module consumer {\n    requires dev.taipan.core;\n"
                + "    opens consumer to com.fasterxml.jackson.databind;\n}\n");
        Files.writeString(src.resolve("consumer/Main.java"), main);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        // In process, javac's class path would default to this test's: give it an empty one.
        Path noClassPath = Files.createDirectories(dir.resolve("empty"));
        List<String> args = new ArrayList<>(List.of("--module-path", modulePath(), "--class-path", noClassPath.toString(),
                "-d", dir.resolve("out").toString(),
                src.resolve("module-info.java").toString(), src.resolve("consumer/Main.java").toString()));
        return javac.run(null, errors, errors, args.toArray(String[]::new));
    }

    /**
     * taipan-core's classes and its runtime dependencies, as a user's build would put them on the
     * module path: the jars are picked from this test's classpath by name (the rest of it, JUnit
     * and the test tools, are not what a user ships). slf4j-simple is the logging provider.
     */
    private static String modulePath() {
        Path classes = Path.of(TaipanPool.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        List<String> entries = new ArrayList<>(List.of(classes.toString()));
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> {
                    String name = Path.of(e).getFileName().toString();
                    return name.startsWith("msgpack-core-") || name.startsWith("jackson-")
                            || name.startsWith("slf4j-api-") || name.startsWith("slf4j-simple-");
                })
                .forEach(entries::add);
        return entries.stream().collect(Collectors.joining(File.pathSeparator));
    }
}
