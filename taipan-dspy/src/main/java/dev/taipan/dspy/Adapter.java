package dev.taipan.dspy;

/** How DSPy formats prompts and parses answers. */
public enum Adapter {
    /** DSPy's default: {@code [[ ## field ## ]]} sections. */
    CHAT("chat"),
    /** Structured JSON output (the model's JSON mode where it has one). */
    JSON("json");

    final String wire;

    Adapter(String wire) {
        this.wire = wire;
    }
}
