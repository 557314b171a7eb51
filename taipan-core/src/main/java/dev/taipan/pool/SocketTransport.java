package dev.taipan.pool;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * A {@link Transport} over a connected socket channel, Unix-domain or TCP, in non-blocking
 * mode (so interrupting a thread that reads or writes never closes it). Each direction waits
 * on a selector of its own, so the reader and the writer never contend for one: the read
 * selector exists from the start (every reply is waited for), the write selector only once the
 * socket's buffer has first been full (most connections never need it).
 */
final class SocketTransport implements Transport {
    /** What a select does with a ready key: nothing, the caller just reads or writes next. One instance, no garbage. */
    private static final Consumer<SelectionKey> NO_ACTION = key -> { };

    private final SocketChannel channel;
    private final Selector readSelector;
    /** Written by the writing thread only; volatile for {@link #close}. */
    private volatile Selector writeSelector;

    /**
     * Takes over {@code channel}, which must be connected: puts it in non-blocking mode and, on
     * TCP, turns Nagle's algorithm off. If this fails the channel is left to the caller to close.
     */
    SocketTransport(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        if (channel.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            // Connection already coalesces whatever frames are queued into one write; Nagle
            // would only hold a small frame back until the previous one is acknowledged, which
            // delayed acknowledgements can make tens of milliseconds.
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        this.readSelector = Selector.open();
        try {
            channel.register(readSelector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            readSelector.close();
            throw e;
        }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return channel.write(src);
    }

    @Override
    public boolean awaitReadable(long timeoutMillis) throws IOException {
        try {
            // 0 keys: woken, interrupted, or out of time.
            return readSelector.select(NO_ACTION, timeoutMillis) > 0;
        } catch (ClosedSelectorException e) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public void wakeup() {
        try {
            readSelector.wakeup();
        } catch (ClosedSelectorException ignored) {
            // Closed: the holder's next read or wait fails anyway.
        }
    }

    @Override
    public void awaitWritable(long timeoutMillis) throws IOException {
        try {
            Selector selector = writeSelector;
            if (selector == null) {
                selector = openWriteSelector();
            }
            selector.select(NO_ACTION, timeoutMillis);
        } catch (ClosedSelectorException e) {
            throw new ClosedChannelException();
        }
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private Selector openWriteSelector() throws IOException {
        Selector selector = Selector.open();
        try {
            channel.register(selector, SelectionKey.OP_WRITE);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
        writeSelector = selector;
        if (!channel.isOpen()) {
            closeQuietly(selector); // close() ran meanwhile and may have missed it
        }
        return selector;
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing a broken socket may fail; it is closed either way.
        }
        // Closing the selectors wakes a thread waiting in them and releases the socket's file
        // descriptor (a registered channel's is closed once it is deregistered).
        closeQuietly(readSelector);
        closeQuietly(writeSelector);
    }

    private static void closeQuietly(Selector selector) {
        if (selector != null) {
            try {
                selector.close();
            } catch (IOException ignored) {
                // Best effort.
            }
        }
    }
}
