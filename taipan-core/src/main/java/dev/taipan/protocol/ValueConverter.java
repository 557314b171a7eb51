package dev.taipan.protocol;

/**
 * What the encoder asks about an object the value domain has no place for (a record, a
 * POJO): the value to send instead. The encoder asks only on that rare path, so values
 * already in the domain cost nothing for it. The encoder packs the answer where the object
 * was, at its depth, and names its parts with the object's path.
 */
@FunctionalInterface
public interface ValueConverter {
    /**
     * The value to send in place of {@code value}, or {@code value} itself (the same object)
     * when it has no conversion: the encoder then refuses it, naming its path. A conversion
     * that fails throws {@link IllegalArgumentException}; its message is the reason the
     * encoder reports.
     */
    Object convert(Object value);
}
