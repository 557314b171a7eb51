package dev.taipan.dspy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignatureTest {
    @Test
    void parsesTheStringFormWithTypes() {
        Signature s = Signature.parse("question, context: list[str], scores: dict[str, float] -> answer: int, "
                + "label: Literal['spam', 'ham'], ok: bool");
        assertEquals(List.of("question", "context", "scores"), s.inputs().stream().map(Field::name).toList());
        assertEquals(FieldType.STR, s.inputs().get(0).type());
        assertEquals("list[str]", s.inputs().get(1).type().toString());
        assertEquals("dict[str, float]", s.inputs().get(2).type().toString());
        assertEquals(FieldType.INT, s.outputs().get(0).type());
        assertEquals("Literal['spam', 'ham']", s.outputs().get(1).type().toString());
        assertEquals(FieldType.BOOL, s.outputs().get(2).type());
        assertEquals("question: str, context: list[str], scores: dict[str, float] -> answer: int, "
                + "label: Literal['spam', 'ham'], ok: bool", s.toString());
    }

    @Test
    void invalidSignaturesFailInJavaWithAClearMessage() {
        assertTrue(assertThrows(SignatureException.class, () -> Signature.parse("question answer")).getMessage()
                .contains("->"));
        assertTrue(assertThrows(SignatureException.class, () -> Signature.parse("a -> b -> c")).getMessage()
                .contains("exactly one"));
        assertTrue(assertThrows(SignatureException.class, () -> Signature.parse("a, a -> b")).getMessage()
                .contains("twice"));
        assertTrue(assertThrows(SignatureException.class, () -> Signature.parse("a -> a")).getMessage()
                .contains("twice"));
        assertTrue(assertThrows(SignatureException.class, () -> Signature.parse("a: tensor -> b")).getMessage()
                .contains("unsupported type 'tensor'"));
        assertTrue(assertThrows(SignatureException.class, () -> Signature.parse("-> b")).getMessage()
                .contains("empty field"));
        assertTrue(assertThrows(SignatureException.class, () -> Signature.parse("my-field -> b")).getMessage()
                .contains("identifier"));
        assertTrue(assertThrows(SignatureException.class, () -> Signature.parse("a: list[int -> b")).getMessage()
                .contains("expected ']'"));
        assertThrows(SignatureException.class, () -> Signature.parse("q -> reasoning"));
        assertThrows(SignatureException.class, () -> Signature.builder().input("q").build());
        assertThrows(SignatureException.class, () -> Signature.builder().output("a").build());
    }

    enum Priority { LOW, HIGH }

    @Test
    void theBuilderTakesTypesDescriptionsAndInstructions() {
        Signature s = Signature.builder()
                .instructions("Classify the ticket.")
                .input("ticket", FieldType.STR, "the customer's message")
                .output("priority", FieldType.oneOf(Priority.class), "how urgent")
                .output("tags", FieldType.listOf(FieldType.STR), null)
                .output("details", FieldType.optional(FieldType.DICT), null)
                .build();
        assertEquals("Classify the ticket.", s.instructions());
        assertEquals("Literal['LOW', 'HIGH']", s.outputs().get(0).type().toString());
        assertEquals("Optional[dict]", s.outputs().get(2).type().toString());
        assertEquals("the customer's message", s.inputs().get(0).description());
        assertEquals("New.", s.withInstructions("New.").instructions());
        assertThrows(IllegalArgumentException.class, () -> FieldType.oneOf("it's"));
        assertThrows(IllegalArgumentException.class, () -> FieldType.oneOf());
    }
}
