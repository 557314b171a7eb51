package dev.taipan.pool;

import dev.taipan.ChildJvm;
import dev.taipan.SocketDirChildJvm;
import dev.taipan.TaipanPool;
import dev.taipan.TestPools;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Socket directories of dead JVMs are swept at the next pool start; a live pool's never are. */
@Tag("python")
class SocketDirsTest {
    private static Set<Path> taipanDirs(Path parent) throws IOException {
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().matches("taipan-\\d+(-\\d+)?"))
                    .collect(Collectors.toSet());
        }
    }

    private static Process childPool(Path parent) throws IOException {
        Process child = ChildJvm.start(SocketDirChildJvm.class, TestPools.python(), parent.toString());
        ChildJvm.pidsUntilReady(child); // its pool has started
        return child;
    }

    @Test
    void aKilledJvmsDirectoryIsSweptAtTheNextStartAndALiveOnesIsNot(@TempDir Path parent) throws Exception {
        // Decoys that are not a dead pool's directory: wrong pattern, a file, no lock file.
        Path otherName = Files.createDirectory(parent.resolve("taipan-notours"));
        Path plainFile = Files.createFile(parent.resolve("taipan-1-2"));
        Path noLock = Files.createDirectory(parent.resolve("taipan-3-4"));
        Process dead = childPool(parent);
        Process alive = childPool(parent);
        try {
            Set<Path> both = taipanDirs(parent);
            both.remove(noLock);
            assertEquals(2, both.size(), both::toString);
            dead.destroyForcibly(); // SIGKILL: no shutdown hook, its directory stays behind
            assertTrue(dead.waitFor(10, TimeUnit.SECONDS));
            assertEquals(both, Set.copyOf(taipanDirs(parent)).stream().filter(p -> !p.equals(noLock))
                    .collect(Collectors.toSet()), "the killed JVM's directory is still there before the next start");

            try (TaipanPool pool = TaipanPool.start(TestPools.config().workers(1).socketParent(parent).build());
                 TaipanPool second = TaipanPool.start(TestPools.config().name("second").workers(1)
                         .socketParent(parent).build())) {
                Set<Path> now = taipanDirs(parent);
                now.remove(noLock);
                assertEquals(3, now.size(), "the live child's, and the two pools of this JVM: " + now);
                assertEquals(1, both.stream().filter(now::contains).count(), "exactly one old directory remains");
                Path survivor = both.stream().filter(now::contains).findFirst().orElseThrow();
                assertTrue(Files.exists(survivor.resolve("pool.sock")), "the live pool's socket is untouched");
                assertEquals("pong", pool.call("ping"));
                assertEquals("pong", second.call("ping"), "a pool started later leaves this JVM's first pool alone");
            }
            assertTrue(alive.isAlive());
            for (Path p : List.of(otherName, plainFile, noLock)) {
                assertTrue(Files.exists(p), p + " was not a dead pool's and must stay");
            }
        } finally {
            dead.destroyForcibly();
            alive.destroyForcibly();
            alive.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
