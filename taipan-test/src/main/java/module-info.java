/** Test support for DSPy from Java: {@code MockDspy}, a pool stand-in with no Python. */
module dev.taipan.dspy.testing {
    requires transitive dev.taipan.dspy;

    exports dev.taipan.dspy.testing;
}
