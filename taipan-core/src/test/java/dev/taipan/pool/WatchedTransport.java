package dev.taipan.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Semaphore;

/**
 * A transport that passes everything on to another and lets a test see what a connection
 * does with it, so a test can wait for "the reader is waiting" instead of sleeping.
 */
final class WatchedTransport implements Transport {
    private final Transport inner;
    /** A permit each time a thread starts waiting until readable. */
    final Semaphore readWaits = new Semaphore(0);
    /** A permit each time a thread starts waiting until writable. */
    final Semaphore writeWaits = new Semaphore(0);
    /** A permit for each read that returned bytes. */
    final Semaphore readsWithBytes = new Semaphore(0);

    WatchedTransport(Transport inner) {
        this.inner = inner;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = inner.read(dst);
        if (n > 0) {
            readsWithBytes.release();
        }
        return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return inner.write(src);
    }

    @Override
    public boolean awaitReadable(long timeoutMillis) throws IOException {
        readWaits.release();
        return inner.awaitReadable(timeoutMillis);
    }

    @Override
    public void wakeup() {
        inner.wakeup();
    }

    @Override
    public void awaitWritable(long timeoutMillis) throws IOException {
        writeWaits.release();
        inner.awaitWritable(timeoutMillis);
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public void close() {
        inner.close();
    }
}
