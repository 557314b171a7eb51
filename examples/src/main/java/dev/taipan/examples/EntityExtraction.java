package dev.taipan.examples;

import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * Entity extraction: {@code list[str]} output fields, read back into a Java record with
 * {@link Prediction#getList(String)}.
 */
public final class EntityExtraction {
    private EntityExtraction() {
    }

    /** The extracted entities, one list per kind. */
    public record Entities(List<String> people, List<String> organizations, List<String> places) {
    }

    public static Entities run(Dspy dspy, PrintStream out) {
        Examples.header(out, "Entity extraction",
                "People, organizations and places from a text, as list[str] fields read into a Java record.");
        Signature sig = Signature.builder()
                .instructions("Extract the named entities mentioned in the text.")
                .input("text", FieldType.STR, null)
                .output("people", FieldType.listOf(FieldType.STR), "names of people")
                .output("organizations", FieldType.listOf(FieldType.STR), "companies, agencies, institutions")
                .output("places", FieldType.listOf(FieldType.STR), "cities, countries, landmarks")
                .build();
        Program extractor = dspy.predict(sig);
        String text = "Ada Lovelace worked with Charles Babbage in London; decades later the Science Museum"
                + " built his Difference Engine, and IBM cited her notes.";
        Prediction p = extractor.run(Map.of("text", text));
        Entities e = new Entities(strings(p, "people"), strings(p, "organizations"), strings(p, "places"));
        out.println("text:          " + text);
        out.println("people:        " + e.people());
        out.println("organizations: " + e.organizations());
        out.println("places:        " + e.places());
        return e;
    }

    private static List<String> strings(Prediction p, String field) {
        return p.getList(field).stream().map(String::valueOf).toList();
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
