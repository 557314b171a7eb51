package dev.taipan.dspy;

/**
 * A piece of an output field, as the LM writes it, from {@link Program#stream}.
 *
 * @param field the output field it belongs to
 * @param text  the piece of text, to append to the field's earlier pieces
 */
public record StreamChunk(String field, String text) {
}
