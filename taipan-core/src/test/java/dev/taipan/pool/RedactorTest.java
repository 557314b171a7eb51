package dev.taipan.pool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every secret is hidden whatever its length; short ones are warned about once, by name. */
class RedactorTest {
    @Test
    void secretsOfOneTwoAndFiveCharactersAreHiddenAndWarnedAboutOnceByName() {
        List<String> warnings = new ArrayList<>();
        Map<String, String> env = Map.of("A", "#", "B", "%~", "C", "^qx7&", "LONG", "sk-long-enough", "EMPTY", "",
                "PLAIN", "not-secret");
        Redactor r = Redactor.of(env, Set.of("A", "B", "C", "LONG", "EMPTY"), warnings::add);
        assertEquals("x=*** y=*** z=*** w=*** v=not-secret",
                r.redact("x=# y=%~ z=^qx7& w=sk-long-enough v=not-secret"));
        assertEquals("no secret here", r.redact("no secret here"), "an empty secret hides nothing");
        assertEquals(1, warnings.size(), warnings.toString());
        String w = warnings.get(0);
        assertTrue(w.contains("A, B, C"), w);
        assertFalse(w.contains("LONG") || w.contains("EMPTY"), w);
        for (String value : List.of("#", "%~", "^qx7&")) {
            assertFalse(w.contains(value), "the warning names variables, never values: " + w);
        }
    }

    @Test
    void noWarningWithoutShortSecrets() {
        List<String> warnings = new ArrayList<>();
        Redactor.of(Map.of("K", "sk-123456"), Set.of("K"), warnings::add);
        assertEquals(List.of(), warnings);
    }
}
