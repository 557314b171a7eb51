package dev.taipan.examples.triage;

import dev.taipan.WorkerLostException;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;
import org.springframework.stereotype.Service;

import java.util.Map;

/**
 * One DSPy program on the starter's {@link Dspy} bean: a ticket in; a category, a priority and
 * a drafted reply out, the first two typed as enums so DSPy only answers with their values.
 *
 * <p>Retry: a program run is a pure function of its input, so when the worker running it dies
 * (crash, OOM kill, a deploy) the service runs it once more on another worker. That is the only
 * retry; any other error goes to the caller.
 */
@Service
public class TriageService {
    /** What a ticket is about. */
    public enum Category { billing, technical, account, other }

    /** How soon it needs an answer. */
    public enum Priority { low, medium, high, urgent }

    /** The triage of one ticket. */
    public record Triage(Category category, Priority priority, String reply) {
    }

    private final Program program;

    public TriageService(Dspy dspy) {
        Signature signature = Signature.builder()
                .instructions("Triage a customer support ticket: its category, its priority, and a short, polite"
                        + " first reply to the customer.")
                .input("ticket", FieldType.STR, "the customer's message")
                .output("category", FieldType.oneOf(Category.class), null)
                .output("priority", FieldType.oneOf(Priority.class), null)
                .output("reply", FieldType.STR, "a drafted reply to the customer")
                .build();
        this.program = dspy.predict(signature);
    }

    public Triage triage(String ticket) {
        Prediction p;
        try {
            p = program.run(Map.of("ticket", ticket));
        } catch (WorkerLostException e) {
            p = program.run(Map.of("ticket", ticket));
        }
        return new Triage(p.get("category", Category.class), p.get("priority", Priority.class),
                p.get("reply", String.class));
    }
}
