package dev.taipan.examples;

import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Lm;
import dev.taipan.test.dspy.MockDspy;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the examples do on the Java side, checked against {@link MockDspy}: no Python, no LM.
 * Kept apart from {@link ExamplesTest}, whose pool and LM server need the project venv, so that
 * these run in the Java-only test layer.
 */
class ExamplesWithoutPythonTest {
    @Test
    void ragSendsTheRetrieversPassagesAsTheContextInput() {
        MockDspy mock = MockDspy.answering(in -> Map.of("answer", "mock"));
        KeywordRetriever retriever = new KeywordRetriever(KeywordRetriever.CORPUS);
        String question = "Where was Gustave Eiffel born?";
        RagWithJavaRetriever.run(Dspy.on(mock).lm(Lm.of("mock/model")),
                new PrintStream(OutputStream.nullOutputStream()), retriever, question);
        assertEquals(1, mock.runs().size());
        assertEquals(retriever.search(question, 3), mock.runs().get(0).get("context"));
        assertTrue(retriever.search(question, 3).get(0).contains("Dijon"), retriever.search(question, 3).toString());
    }
}
