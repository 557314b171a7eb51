package dev.taipan;

/**
 * A message would exceed the maximum frame size. Raised before anything is sent when a
 * call's arguments are too large, and for a result the worker refused to send.
 */
public class FrameTooLargeException extends TaipanException {
    /** Size of the offending frame in bytes, or -1. */
    private final long frameBytes;
    /** The limit it exceeded, in bytes. */
    private final long maxFrameBytes;

    /**
     * A frame over the limit.
     *
     * @param message       what happened, for humans
     * @param frameBytes    the frame's size in bytes, or -1 if unknown
     * @param maxFrameBytes the limit it exceeded
     */
    public FrameTooLargeException(String message, long frameBytes, long maxFrameBytes) {
        super(message);
        this.frameBytes = frameBytes;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** {@return size of the offending frame in bytes, or -1 when the worker did not report it} */
    public long frameBytes() {
        return frameBytes;
    }

    /** {@return the limit the frame exceeded, in bytes ({@link PoolConfig#maxFrameBytes()})} */
    public long maxFrameBytes() {
        return maxFrameBytes;
    }
}
