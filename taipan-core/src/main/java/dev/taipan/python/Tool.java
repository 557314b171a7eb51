package dev.taipan.python;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Runs one external program of environment work (an interpreter probe, {@code venv}, pip,
 * uv) to its end or its timeout, keeping the end of its output. The program gets this JVM's
 * environment less the variables that would point Python elsewhere, and never a pool's
 * environment: a pool's secrets are not in it, so no installer can print them.
 */
public final class Tool {
    /** Variables that would make a probe or an install see another interpreter's packages. */
    private static final List<String> STEERING = List.of("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP",
            "PYTHONUSERBASE", "VIRTUAL_ENV", "UV_PYTHON", "PIP_PYTHON", "__PYVENV_LAUNCHER__");
    /** What a log line or an error may show of output: its last lines, each cut short. */
    private static final int TAIL_LINES = 20;
    private static final int MAX_LINE_CHARS = 300;
    private static final int KEEP_BYTES = 256 * 1024;
    /** Credentials in a URL ({@code https://user:token@host}): an index URL, a VCS requirement. */
    private static final Pattern URL_USERINFO = Pattern.compile("(?<=://)[^/@\\s]+@");

    private Tool() {
    }

    /** How a program ended: its exit status (null: killed at its timeout) and its output. */
    public record Result(Integer exitCode, String output) {
        public boolean ok() {
            return exitCode != null && exitCode == 0;
        }

        /** The end of the output, credentials masked, for an error message. */
        public String tail() {
            return Tool.tail(output);
        }
    }

    /**
     * Runs {@code command}; stdout and stderr together. Throws IOException only if the program
     * cannot be started at all (it does not exist, or is not executable).
     */
    public static Result run(List<String> command, Map<String, String> extraEnv, Path workingDir, Duration timeout)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        STEERING.forEach(env::remove);
        env.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        env.put("PIP_NO_INPUT", "1");
        env.putAll(extraEnv);
        if (workingDir != null) {
            pb.directory(workingDir.toFile());
        }
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> drain(p.getInputStream(), kept), "taipan-env-tool-output");
        reader.setDaemon(true);
        reader.start();
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(5_000);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + describe(command), e);
        }
        String out;
        synchronized (kept) {
            out = kept.toString(StandardCharsets.UTF_8);
        }
        return new Result(finished ? p.exitValue() : null, out);
    }

    private static void drain(InputStream in, ByteArrayOutputStream kept) {
        byte[] buf = new byte[8192];
        try (in) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                synchronized (kept) {
                    kept.write(buf, 0, n);
                    if (kept.size() > 2 * KEEP_BYTES) {
                        // Keep only the end: errors come last, and a chatty install is long.
                        byte[] all = kept.toByteArray();
                        kept.reset();
                        kept.write(all, all.length - KEEP_BYTES, KEEP_BYTES);
                    }
                }
            }
        } catch (IOException e) {
            // The process ended (or was killed) mid-read: what was read is what there is.
        }
    }

    /** A command line for a log line or a message: credentials in URLs masked. */
    public static String describe(List<String> command) {
        return mask(command.stream().map(Tool::quoted).collect(Collectors.joining(" ")));
    }

    private static String quoted(String arg) {
        return arg.isEmpty() || arg.chars().anyMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '"')
                ? "'" + arg.replace("'", "'\\''") + "'" : arg;
    }

    /** {@code text} with the user-info part of every URL ({@code user:token@}) shown as {@code ***@}. */
    public static String mask(String text) {
        return URL_USERINFO.matcher(text).replaceAll("***@");
    }

    /** The last lines of {@code output} that say something, each cut short, credentials masked. */
    static String tail(String output) {
        List<String> lines = new ArrayList<>();
        for (String line : output.split("\\R")) {
            if (!line.isBlank()) {
                lines.add(line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + " ..." : line);
            }
        }
        List<String> last = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
        return mask(String.join("\n", last));
    }
}
