package dev.taipan.apicheck;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A user's modular application in miniature: module {@code consumer} with one class
 * {@code consumer.Main}, compiled and run against a module path of Taipan's modules and their
 * runtime dependencies only, with nothing else on the command line. The modules' own tests
 * run on the classpath; this is how each checks what a module-path user gets.
 */
public final class ConsumerModule {
    private final Path dir;
    private final String modulePath;

    /**
     * @param dir          a fresh directory for sources and classes
     * @param modules      one class of each Taipan module to put on the path (its classes directory or jar)
     * @param jarPrefixes  the runtime dependencies, picked from this JVM's classpath by jar name
     *                     (JUnit and the test tools there are not what a user ships)
     */
    public ConsumerModule(Path dir, List<Class<?>> modules, List<String> jarPrefixes) {
        this.dir = dir;
        List<String> entries = new ArrayList<>();
        for (Class<?> c : modules) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> jarPrefixes.stream().anyMatch(Path.of(e).getFileName().toString()::startsWith))
                .forEach(entries::add);
        this.modulePath = String.join(File.pathSeparator, entries);
    }

    /** What javac said, and whether it compiled. */
    public record Compiled(boolean ok, String diagnostics) {
    }

    /** What the consumer printed (stdout and stderr), and its exit status. */
    public record Ran(int exitStatus, String output) {
    }

    /** Compiles {@code module-info.java} and {@code consumer/Main.java} from the given sources. */
    public Compiled compile(String moduleInfo, String main) throws IOException {
        Path src = dir.resolve("src");
        Files.createDirectories(src.resolve("consumer"));
        Files.writeString(src.resolve("module-info.java"), moduleInfo);
        Files.writeString(src.resolve("consumer/Main.java"), main);
        // In process, javac's class path would default to this JVM's: give it an empty one.
        Path noClassPath = Files.createDirectories(dir.resolve("empty"));
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, errors, errors, "--module-path", modulePath, "--class-path", noClassPath.toString(),
                "-d", dir.resolve("out").toString(),
                src.resolve("module-info.java").toString(), src.resolve("consumer/Main.java").toString());
        return new Compiled(rc == 0, errors.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code consumer/consumer.Main} with a bound on its time (it fails the run if passed). */
    public Ran run(long timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--module-path", dir.resolve("out") + File.pathSeparator + modulePath, "-m", "consumer/consumer.Main"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Ran(-1, output + "\n(still running after " + timeoutSeconds + " s: killed)");
        }
        return new Ran(p.exitValue(), output);
    }
}
