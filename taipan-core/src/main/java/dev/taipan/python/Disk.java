package dev.taipan.python;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The disk as the {@link Provisioner} meets it: the files it writes itself (the extracted
 * runtime, the {@code .pth}, the marker) and how much room is left. One seam, so a test can
 * stand in a disk that fills up halfway through a file, which no test can make a real one do
 * without root or mount rights.
 */
interface Disk {
    /** Writes {@code bytes} to {@code file}, replacing it. */
    void write(Path file, byte[] bytes) throws IOException;

    /** The bytes this process may still write on the file system that holds {@code dir}. */
    long usableSpace(Path dir) throws IOException;

    /** The machine's own disk. */
    Disk REAL = new Disk() {
        @Override
        public void write(Path file, byte[] bytes) throws IOException {
            Files.write(file, bytes);
        }

        @Override
        public long usableSpace(Path dir) throws IOException {
            return Files.getFileStore(dir).getUsableSpace();
        }
    };

    /**
     * Whether {@code text} (an exception's message, an installer's output) says a disk is full:
     * ENOSPC as the JDK and Python spell it on Linux and macOS, Windows' wording, and a quota.
     */
    static boolean saysFull(String text) {
        String t = String.valueOf(text).toLowerCase(Locale.ROOT);
        return t.contains("no space left on device") || t.contains("errno 28")
                || t.contains("not enough space on the disk") || t.contains("disk quota exceeded")
                || t.contains("errno 122");
    }

    /** Whether {@code e}, or any exception that caused it, says a disk is full. */
    static boolean saysFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (saysFull(t.getMessage())) {
                return true;
            }
        }
        return false;
    }
}
