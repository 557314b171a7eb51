package dev.taipan.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI run as its own JVM, as a user runs it: slf4j-simple's levels are fixed once per JVM,
 * so a test of what the log shows at each verbosity needs a fresh one. stderr is not a terminal
 * here (and {@code TAIPAN_STDERR_TTY=0} says so), as in CI.
 */
record CliProcess(int code, String out, String err) {
    static CliProcess run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TaipanCli.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove(PythonChoice.PYTHON_ENV);
        pb.environment().put("TAIPAN_STDERR_TTY", "0");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "taipan " + String.join(" ", args) + " did not end in 120 s");
        return new CliProcess(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8));
    }
}
