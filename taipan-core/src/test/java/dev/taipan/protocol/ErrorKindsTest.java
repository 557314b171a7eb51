package dev.taipan.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.taipan.TestPools;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A new error kind cannot be added in one place only: the constants of {@link ErrorKinds},
 * the table in docs/PROTOCOL.md and the golden vectors hold the same kinds (the Python suite
 * holds {@code taipan_worker/errors.py} to the same table and vectors).
 */
class ErrorKindsTest {
    private static final Path VECTORS = TestPools.repo().resolve("protocol/vectors");

    @Test
    void everyConstantIsListedInAll() throws IllegalAccessException {
        Set<String> constants = new HashSet<>();
        for (Field f : ErrorKinds.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                constants.add((String) f.get(null));
            }
        }
        assertEquals(constants, Set.copyOf(ErrorKinds.ALL));
        assertEquals(constants.size(), ErrorKinds.ALL.size(), "a kind twice in ALL");
    }

    @Test
    void theProtocolTableListsTheConstantsInOrder() throws IOException {
        assertEquals(ErrorKinds.ALL, ErrorKindTable.rows().stream().map(ErrorKindTable.Row::kind)
                .collect(Collectors.toList()));
    }

    @Test
    void theVectorsHoldAnErrorOfEveryKindAndNoOther() throws IOException {
        Set<String> kinds = new TreeSet<>();
        Set<String> names = new HashSet<>();
        for (JsonNode entry : new ObjectMapper().readTree(VECTORS.resolve("vectors.json").toFile())) {
            JsonNode message = entry.get("message");
            if (Messages.ERROR.equals(message.get("type").asText())) {
                kinds.add(message.get("kind").asText());
                names.add(entry.get("name").asText());
            }
        }
        assertEquals(new TreeSet<>(ErrorKinds.ALL), kinds);
        for (String kind : ErrorKinds.ALL) {
            assertTrue(names.contains("error_" + kind), () -> "no golden vector error_" + kind);
        }
    }
}
