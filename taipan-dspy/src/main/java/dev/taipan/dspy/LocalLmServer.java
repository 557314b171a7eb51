package dev.taipan.dspy;

import dev.taipan.TaipanException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The project's offline LM: an OpenAI-compatible server on loopback that answers every
 * output field with a deterministic placeholder of the right type. For demos, tests and
 * benchmarks; it is not a model. It dies with this JVM (its stdin is our pipe).
 */
public final class LocalLmServer implements AutoCloseable {
    private static final String READY = "TAIPAN_LM_SERVER ";

    private final Process process;
    private final String url;

    private LocalLmServer(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    /**
     * Starts the server with {@code python} (the venv's), with no simulated latency.
     *
     * @param python the Python that has {@code taipan_worker} installed
     * @return the running server; close it when done
     * @throws dev.taipan.TaipanException if it cannot start, or did not listen in time
     */
    public static LocalLmServer start(String python) {
        return start(python, 0);
    }

    /**
     * Starts the server, each answer delayed by {@code latencyMillis} (for benchmarks). Waits up to 30 s for it to listen.
     *
     * @param python        the Python that has {@code taipan_worker} installed
     * @param latencyMillis the delay of each answer in milliseconds; 0 or less for none
     * @return the running server; close it when done
     * @throws dev.taipan.TaipanException if it cannot start, or did not listen in time
     */
    public static LocalLmServer start(String python, int latencyMillis) {
        List<String> cmd = new ArrayList<>(List.of(python, "-m", "taipan_worker.lm_server", "--port", "0"));
        if (latencyMillis > 0) {
            cmd.add("--latency-ms");
            cmd.add(Integer.toString(latencyMillis));
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new TaipanException("cannot start the local LM server with " + python + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith(READY)) {
                        return line.substring(READY.length()).trim();
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            }
        });
        String url;
        try {
            url = ready.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            url = null;
        }
        if (url == null) {
            p.destroyForcibly();
            throw new TaipanException("the local LM server did not start (python -m taipan_worker.lm_server);"
                    + " is the worker package installed in " + python + "?");
        }
        return new LocalLmServer(p, url);
    }

    /** {@return the base URL, e.g. {@code http://127.0.0.1:40123/v1}} */
    public String url() {
        return url;
    }

    /** {@return an LM pointing at this server} */
    public Lm lm() {
        return lm("taipan-local");
    }

    /**
     * An LM with a special model name, e.g. {@code "taipan-local-fail-429"} for injected failures.
     *
     * @param model the model name the server sees
     * @return an LM pointing at this server, uncached and without retries
     */
    public Lm lm(String model) {
        // LiteLLM engine: the server is exercised through DSPy's real LM -> LiteLLM -> HTTP path.
        return Lm.of("openai/" + model).apiBase(url).apiKey(() -> "local-placeholder-key").cache(false).numRetries(0)
                .engine("litellm");
    }

    /** Stops the server: SIGTERM, then SIGKILL after 5 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
