package dev.taipan.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pool's private socket directory, {@code taipan-<jvm pid>-<random>}, and the sweeping of
 * those that dead JVMs left behind (a SIGKILLed JVM runs no cleanup).
 *
 * <p>Liveness is an OS file lock: a pool holds a lock on {@code pool.lock} in its directory for
 * its whole life, and the kernel drops it when the JVM dies, however it dies. A sweeper that can
 * take the lock knows the owner is gone. The lock file only appears, by rename, once it is
 * locked, so a directory being set up is never mistaken for a dead one. Directories named with
 * this JVM's own pid are never opened: closing any descriptor of a locked file releases this
 * process's lock on it (POSIX), so the sweep must not touch a live pool of its own JVM.
 * Only directories of this pattern, owned by this user, not symlinks, holding nothing but a
 * pool's own files are deleted.
 */
final class SocketDirs {
    private static final Logger LOG = LoggerFactory.getLogger(SocketDirs.class);
    static final String LOCK = "pool.lock";
    private static final String LOCK_NEW = "pool.lock.new";
    private static final String SOCKET = "pool.sock";
    private static final Pattern NAME = Pattern.compile("taipan-(\\d+)-\\d+");

    private SocketDirs() {
    }

    /** A created, locked socket directory; closing it removes it. */
    static final class Dir implements AutoCloseable {
        final Path path;
        private final FileChannel channel;
        private final FileLock lock;

        private Dir(Path path, FileChannel channel, FileLock lock) {
            this.path = path;
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() {
            try {
                Files.deleteIfExists(path.resolve(SOCKET));
                Files.deleteIfExists(path.resolve(LOCK));
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.debug("could not remove {}: {}", path, e.toString());
            }
            try {
                lock.release();
                channel.close();
            } catch (IOException ignored) {
                // Closing releases it anyway.
            }
        }
    }

    /** Creates this pool's directory (0700) under {@code parent}, locked for as long as it is open. */
    static Dir create(Path parent) throws IOException {
        Files.createDirectories(parent);
        String prefix = "taipan-" + ProcessHandle.current().pid() + "-";
        Path dir = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? Files.createTempDirectory(parent, prefix,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")))
                : Files.createTempDirectory(parent, prefix);
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_NEW), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.lock();
            Files.move(dir.resolve(LOCK_NEW), dir.resolve(LOCK), StandardCopyOption.ATOMIC_MOVE);
            return new Dir(dir, channel, lock);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Removes the directories under {@code parent} whose pool's JVM is dead; returns how many. */
    static int sweep(Path parent) {
        int removed = 0;
        long self = ProcessHandle.current().pid();
        String user = System.getProperty("user.name");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, "taipan-*")) {
            for (Path dir : entries) {
                Matcher m = NAME.matcher(dir.getFileName().toString());
                if (!m.matches() || m.group(1).equals(Long.toString(self))) {
                    continue;
                }
                if (isOurs(dir, user) && removeIfDead(dir)) {
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not sweep {}: {}", parent, e.toString());
        }
        return removed;
    }

    private static boolean isOurs(Path dir, String user) {
        try {
            return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                    && Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(user)
                    && Files.isRegularFile(dir.resolve(LOCK), LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean removeIfDead(Path dir) {
        try (FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return false; // held in this JVM
            }
            if (lock == null) {
                return false; // its pool is alive
            }
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    if (!List.of(SOCKET, LOCK, LOCK_NEW).contains(f.getFileName().toString())) {
                        LOG.debug("not sweeping {}: it holds {}", dir, f.getFileName());
                        return false;
                    }
                }
            }
            Files.deleteIfExists(dir.resolve(SOCKET));
            Files.deleteIfExists(dir.resolve(LOCK_NEW));
            Files.deleteIfExists(dir.resolve(LOCK));
            Files.delete(dir);
            LOG.info("removed {}, left behind by a JVM that no longer runs", dir);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not sweep {}: {}", dir, e.toString());
            return false;
        }
    }
}
