package dev.taipan;

/**
 * A message would exceed the maximum frame size. Raised before anything is sent when a
 * call's arguments are too large, and for a result the worker refused to send.
 */
public class FrameTooLargeException extends TaipanException {
    private final long frameBytes;
    private final long maxFrameBytes;

    public FrameTooLargeException(String message, long frameBytes, long maxFrameBytes) {
        super(message);
        this.frameBytes = frameBytes;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Size of the offending frame in bytes, or -1 when the worker did not report it. */
    public long frameBytes() {
        return frameBytes;
    }

    public long maxFrameBytes() {
        return maxFrameBytes;
    }
}
