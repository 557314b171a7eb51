package dev.taipan.dspy;

/**
 * One item of {@link Program#batch}: the prediction, or the error that item failed with.
 * A batch never throws for one item's failure.
 *
 * @param index      the item's position in the batch's inputs
 * @param prediction its prediction, or null if it failed
 * @param error      what it failed with, or null if it succeeded
 */
public record BatchResult(int index, Prediction prediction, RuntimeException error) {
    /** {@return whether the item succeeded (it has a prediction, no error)} */
    public boolean ok() {
        return error == null;
    }
}
