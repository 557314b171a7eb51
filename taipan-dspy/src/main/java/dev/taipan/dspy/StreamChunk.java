package dev.taipan.dspy;

/** A piece of an output field, as the LM writes it, from {@link Program#stream}. */
public record StreamChunk(String field, String text) {
}
