package dev.taipan.examples.triage;

import dev.taipan.dspy.LocalLmServer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The ticket-triage service. Run from the checkout, it starts Taipan's local LM server (no
 * network, no key) and points {@code taipan.dspy.api-base} at it; with a real model, set
 * {@code taipan.dspy.model}, {@code taipan.dspy.api-key-env} and drop the local server.
 */
@SpringBootApplication
public class TriageApplication {
    public static void main(String[] args) {
        String python = System.getProperty("taipan.python", ".venv/bin/python");
        LocalLmServer lm = LocalLmServer.start(python);
        String[] all = new String[args.length + 2];
        all[0] = "--taipan.dspy.api-base=" + lm.url();
        all[1] = "--taipan.pool.python=" + python;
        System.arraycopy(args, 0, all, 2, args.length);
        SpringApplication.run(TriageApplication.class, all);
    }
}
