/**
 * Test support: {@code dev.taipan.test} (the JUnit 5 extension, {@code @TaipanPoolTest}: a
 * real pool per test class) and {@code dev.taipan.test.dspy} ({@code MockDspy}, a pool
 * stand-in with no Python). DSPy is optional: only MockDspy needs it, and its users require
 * {@code dev.taipan.dspy} themselves.
 */
module dev.taipan.test {
    requires transitive dev.taipan.core;
    requires static dev.taipan.dspy;
    requires transitive org.junit.jupiter.api;

    exports dev.taipan.test;
    exports dev.taipan.test.dspy;
}
