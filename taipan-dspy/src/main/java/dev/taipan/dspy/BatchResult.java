package dev.taipan.dspy;

/**
 * One item of {@link Program#batch}: the prediction, or the error that item failed with.
 * A batch never throws for one item's failure.
 */
public record BatchResult(int index, Prediction prediction, RuntimeException error) {
    public boolean ok() {
        return error == null;
    }
}
