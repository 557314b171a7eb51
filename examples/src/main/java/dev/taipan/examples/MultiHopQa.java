package dev.taipan.examples;

import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.FieldType;
import dev.taipan.dspy.Prediction;
import dev.taipan.dspy.Program;
import dev.taipan.dspy.Signature;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Multi-hop question answering: a question whose answer needs two facts that no single passage
 * holds. Each hop is one run of a query-writing program, followed by a Java retrieval with
 * that query; the passages pile up as context for the next hop and for the final answer.
 *
 * <p>The retrieval has to happen between program runs because it is Java: a composite program
 * runs all its steps inside one Python call, with no Java in between. (A composite is the
 * right tool when every step is a DSPy module; see docs/DSPY.md.)
 */
public final class MultiHopQa {
    private MultiHopQa() {
    }

    /** One hop: the query the program wrote and the passages the Java retriever found for it. */
    public record Hop(String query, List<String> found) {
    }

    public record Result(String question, List<Hop> hops, List<String> context, Prediction prediction) {
    }

    static final String QUESTION = "In which country was the engineer whose company built the Eiffel Tower born?";
    static final int HOPS = 2;

    public static Result run(Dspy dspy, PrintStream out) {
        Examples.header(out, "Multi-hop QA",
                HOPS + " hops of (write a search query -> retrieve in Java), then a ChainOfThought answer.");
        KeywordRetriever retriever = new KeywordRetriever(KeywordRetriever.CORPUS);
        Program writeQuery = dspy.predict(Signature.builder()
                .instructions("Write a search query for the fact still missing to answer the question.")
                .input("context", FieldType.listOf(FieldType.STR), "what has been found so far")
                .input("question", FieldType.STR, null)
                .output("query", FieldType.STR, "a short search query")
                .build());
        Program answer = dspy.chainOfThought(Signature.builder()
                .instructions("Answer the question using only the context passages.")
                .input("context", FieldType.listOf(FieldType.STR), null)
                .input("question", FieldType.STR, null)
                .output("answer", FieldType.STR, "a short answer")
                .build());

        Set<String> context = new LinkedHashSet<>();
        List<Hop> hops = new ArrayList<>();
        for (int hop = 1; hop <= HOPS; hop++) {
            String query = writeQuery.run(Map.of("context", List.copyOf(context), "question", QUESTION))
                    .getString("query");
            // The search uses the written query plus the question's words. With a real model the
            // query carries the hop (e.g. "Gustave Eiffel birthplace"); the local server's queries
            // are placeholders, so here the question's words do the finding. The second hop still
            // adds passages because it asks for 2 more that are not in the context yet.
            List<String> found = retriever.search(query + " " + QUESTION, context.size() + 2).stream()
                    .filter(p -> !context.contains(p)).limit(2).toList();
            context.addAll(found);
            hops.add(new Hop(query, found));
            out.println("hop " + hop + " query: " + query);
            found.forEach(p -> out.println("  found: " + p));
        }
        Prediction p = answer.run(Map.of("context", List.copyOf(context), "question", QUESTION));
        out.println("question: " + QUESTION);
        out.println("answer:   " + p.getString("answer"));
        return new Result(QUESTION, hops, List.copyOf(context), p);
    }

    public static void main(String[] args) {
        // Real model: run(dspy.lm(Lm.of("openai/gpt-4o-mini").apiKeyFromEnv("OPENAI_API_KEY")), System.out)
        Examples.main(dspy -> run(dspy, System.out));
    }
}
