package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;
import dev.taipan.TestPools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provisioning that fails on the way: no package index, a disk that fills up (in the
 * installer, while the runtime is extracted, while the marker is written). Each must be a
 * {@link PythonEnvironmentException} that says what happened and what to do, and leave
 * nothing under the environment's name that a later start would use.
 *
 * <p>The full disk goes through {@link Disk}, a seam, not through a real small file system:
 * mounting one needs root or user namespaces with mount rights, which not every machine that
 * runs this suite grants. What a real full disk does was checked by hand (a 2 MiB tmpfs as the
 * cache): venv's ensurepip fails with only "returned non-zero exit status 1", which is why the
 * free space is looked at after any failure; the fake interpreter below fails the same way.
 */
class ProvisioningFailureTest {
    private static final String SECRET = "s3cr3t-t0ken";

    @TempDir
    Path cache;

    private static Provisioner.Spec spec(Path cache, Path base) {
        return new Provisioner.Spec(cache, base, List.of(), null, Duration.ofMinutes(5),
                Provisioner.RUNTIME_REQUIREMENTS, List.of());
    }

    private Provisioner provisioner(Disk disk) {
        return new Provisioner(spec(cache, Path.of(TestPools.python())), RuntimeFiles.inThisJar(), disk,
                System.getenv());
    }

    /** What a later start would find: only the lock file may be left, no environment, no build. */
    private void assertOnlyTheLockIsLeft() throws IOException {
        List<String> left;
        try (Stream<Path> s = Files.list(cache)) {
            left = s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
        assertEquals(1, left.size(), left.toString());
        assertTrue(left.get(0).endsWith(".lock"), left.toString());
    }

    private static void assertSaysTheCacheDiskIsFull(PythonEnvironmentException e, Path cache) {
        assertTrue(e.getMessage().contains("The disk holding the environment cache " + cache.toAbsolutePath()
                + " is full"), e.getMessage());
        assertTrue(e.getMessage().contains("TAIPAN_CACHE_DIR"), e.getMessage());
    }

    @Test
    @Tag("python")
    void withoutThePackageIndexTheErrorNamesTheRequirementAndTheIndexAndLeavesNothing() throws Exception {
        // Another JVM, so that the index settings reach pip the way a user's do: through the
        // JVM's environment (a mirror behind a firewall is set the same way). Nothing listens on
        // port 9; the credentials are there to be masked.
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.slf4j.simpleLogger.log.dev.taipan=debug", "-cp", System.getProperty("java.class.path"),
                ProvisioningChildJvm.class.getName(), cache.toString(), TestPools.python()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        // Whatever else could let the install succeed without the index: local wheels, other
        // indexes, config files, the installers' caches.
        List.of("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "UV_FIND_LINKS", "UV_EXTRA_INDEX_URL",
                "UV_INDEX", "UV_OFFLINE").forEach(env::remove);
        String index = "http://taipan:" + SECRET + "@127.0.0.1:9/simple";
        env.put("PIP_INDEX_URL", index);
        env.put("UV_DEFAULT_INDEX", index);
        env.put("UV_INDEX_URL", index);
        env.put("PIP_CONFIG_FILE", "/dev/null");
        env.put("UV_NO_CONFIG", "1");
        env.put("PIP_NO_CACHE_DIR", "1");
        env.put("UV_NO_CACHE", "1");
        // One retry, at once: the same "Retrying ... connection broken" a default pip prints
        // five times, without its 7.5 s of back-off.
        env.put("PIP_RETRIES", "1");
        env.put("UV_HTTP_RETRIES", "1");
        Process child = pb.start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(3, child.waitFor(), out);

        assertTrue(out.contains("ERROR " + PythonEnvironmentException.class.getName()), out);
        assertTrue(out.contains("cannot install msgpack>=1.0,<2"), out);
        assertTrue(out.contains("The package index (http://***@127.0.0.1:9/simple from "), out);
        assertTrue(out.contains(") could not be reached"), out);
        assertTrue(out.contains("point the installer at a mirror (PIP_INDEX_URL"), out);
        assertTrue(out.contains("at image build time"), out);
        assertFalse(out.contains("Check the requirement's name"), "not a missing package: " + out);
        // Neither the message, nor the installer's output, nor a log line (all of them, at DEBUG) shows it.
        assertFalse(out.contains(SECRET), out);
        assertOnlyTheLockIsLeft();
    }

    @Test
    @Tag("python")
    void aDiskThatFillsUpDuringTheRuntimeExtractionLeavesNoHalfEnvironment() throws IOException {
        // Room for about a quarter of the runtime's files: the venv is made, then the extraction stops mid-file.
        FillingDisk disk = new FillingDisk(60_000, p -> p.toString().contains(Provisioner.RUNTIME_DIR));
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> provisioner(disk).provision());

        assertNotNull(disk.failedOn, "the disk never filled up");
        assertTrue(disk.written > 0, "it failed at the first file, not in the middle");
        assertTrue(disk.failedOn.toString().contains(".building-"), disk.failedOn.toString());
        assertInstanceOf(IOException.class, e.getCause());
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertSaysTheCacheDiskIsFull(e, cache);
        assertFalse(Files.exists(disk.failedOn), "the half-written file is still there");
        assertOnlyTheLockIsLeft();
    }

    @Test
    @Tag("python")
    void aDiskThatFillsUpWritingTheMarkerLeavesNoHalfEnvironmentAndTheNextStartBuildsAnew() throws IOException {
        // Everything installed and checked; the marker, the last file, gets 40 bytes and no more.
        FillingDisk disk = new FillingDisk(40, p -> p.getFileName().toString().equals(Provisioner.MARKER));
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> provisioner(disk).provision());

        assertNotNull(disk.failedOn, "the disk never filled up");
        assertSaysTheCacheDiskIsFull(e, cache);
        assertTrue(e.getMessage().contains("(0.0 MiB free)"), e.getMessage());
        assertOnlyTheLockIsLeft();

        // Space again: the next start builds a whole environment rather than finding half of one.
        Provisioner.Provisioned next = provisioner(Disk.REAL).provision();
        assertTrue(next.built());
        assertTrue(Provisioner.marker(next.dir()).getProperty("build") != null);
        Tool.Result r = Tool.run(List.of(next.python().toString(), "-c", "import taipan_worker, msgpack"), Map.of(),
                null, Duration.ofSeconds(60));
        assertTrue(r.ok(), r.output());
    }

    @Test
    void aFullDiskThatTheInstallerDoesNotNameIsNamedFromTheFreeSpace() throws IOException {
        // What venv printed on a real full tmpfs: ensurepip's failure, not its reason.
        Path python = fakeInterpreter("Error: Command '['$3/bin/python3', '-m', 'ensurepip', '--upgrade', "
                + "'--default-pip']' returned non-zero exit status 1.");
        Path envs = cache.resolve("envs");
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> new Provisioner(spec(envs, python), RuntimeFiles.inThisJar(), new FixedSpaceDisk(1024 * 1024),
                        Map.of()).provision());
        assertTrue(e.getMessage().startsWith("cannot create the venv (exit 1):"), e.getMessage());
        assertTrue(e.getMessage().contains("ensurepip"), e.getMessage());
        assertSaysTheCacheDiskIsFull(e, envs);
        assertTrue(e.getMessage().contains("(1.0 MiB free)"), e.getMessage());
        assertEquals(List.of(), leftIn(envs, ".building-"));

        // The same failure with room to spare: no word of the disk.
        PythonEnvironmentException roomy = assertThrows(PythonEnvironmentException.class,
                () -> new Provisioner(spec(envs, python), RuntimeFiles.inThisJar(),
                        new FixedSpaceDisk(Provisioner.LOW_SPACE * 100), Map.of()).provision());
        assertFalse(roomy.getMessage().contains("disk"), roomy.getMessage());
    }

    @Test
    void anInstallerThatSaysNoSpaceLeftIsToldWhichDiskToFree() throws IOException {
        Path python = fakeInterpreter("ERROR: Could not install packages due to an OSError: [Errno 28] "
                + "No space left on device");
        Path envs = cache.resolve("envs");
        PythonEnvironmentException full = assertThrows(PythonEnvironmentException.class,
                () -> new Provisioner(spec(envs, python), RuntimeFiles.inThisJar(), new FixedSpaceDisk(0),
                        Map.of()).provision());
        assertTrue(full.stderrTail().contains("[Errno 28] No space left on device"), full.stderrTail());
        assertSaysTheCacheDiskIsFull(full, envs);
        assertEquals(List.of(), leftIn(envs, ".building-"));

        // The cache's disk has room: then the installer's temporary directory is the full one.
        PythonEnvironmentException tmp = assertThrows(PythonEnvironmentException.class,
                () -> new Provisioner(spec(envs, python), RuntimeFiles.inThisJar(),
                        new FixedSpaceDisk(Provisioner.LOW_SPACE * 100), Map.of()).provision());
        assertTrue(tmp.getMessage().contains("likely the installer's temporary directory (TMPDIR)"), tmp.getMessage());
        assertEquals(List.of(), leftIn(envs, ".building-"));
    }

    private static List<String> leftIn(Path dir, String fragment) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(fragment)).collect(Collectors.toList());
        }
    }

    /**
     * A stand-in base interpreter (no Python runs): it answers the version probe as a 3.11
     * would, has no uv, and fails making the venv with {@code venvError} after making part of it.
     */
    private Path fakeInterpreter(String venvError) throws IOException {
        Path python = cache.resolve("fake-python3");
        Files.writeString(python, "#!/bin/sh\n"
                + "case \"$*\" in\n"
                + "  *'-m uv'*) exit 1 ;;\n"
                + "  *'-m venv'*) mkdir -p \"$3/bin\" \"$3/lib/python3.11/site-packages\"\n"
                + "      echo \"" + venvError.replace("\"", "\\\"") + "\" >&2; exit 1 ;;\n"
                + "esac\n"
                + "echo 3.11.7\n"
                + "echo \"$0\"\n");
        assertTrue(python.toFile().setExecutable(true));
        return python;
    }

    /**
     * A disk that has room for {@code room} more bytes of the files {@code counted} picks: the
     * write that does not fit writes what fits and then fails as the JDK does on Linux, and
     * from then on the disk has no room.
     */
    private static final class FillingDisk implements Disk {
        private long room;
        private final Predicate<Path> counted;
        int written;
        Path failedOn;

        FillingDisk(long room, Predicate<Path> counted) {
            this.room = room;
            this.counted = counted;
        }

        @Override
        public void write(Path file, byte[] bytes) throws IOException {
            if (!counted.test(file)) {
                Disk.REAL.write(file, bytes);
                return;
            }
            if (bytes.length <= room) {
                Disk.REAL.write(file, bytes);
                room -= bytes.length;
                written++;
                return;
            }
            Disk.REAL.write(file, Arrays.copyOf(bytes, (int) room));
            room = 0;
            failedOn = file;
            throw new IOException("No space left on device");
        }

        @Override
        public long usableSpace(Path dir) {
            return failedOn == null ? Long.MAX_VALUE : room;
        }
    }

    /** The real disk, except that it reports {@code free} bytes free. */
    private static final class FixedSpaceDisk implements Disk {
        private final long free;

        FixedSpaceDisk(long free) {
            this.free = free;
        }

        @Override
        public void write(Path file, byte[] bytes) throws IOException {
            Disk.REAL.write(file, bytes);
        }

        @Override
        public long usableSpace(Path dir) {
            return free;
        }
    }
}
