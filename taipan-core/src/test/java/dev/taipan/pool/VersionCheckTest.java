package dev.taipan.pool;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.taipan.pool.FakePools.config;
import static org.junit.jupiter.api.Assertions.assertEquals;

class VersionCheckTest {
    @Test
    void aReleaseIsItsMajorAndMinor() {
        assertEquals("0.1", VersionCheck.release("0.1.0.dev0"));
        assertEquals("0.1", VersionCheck.release("0.1.7"));
        assertEquals("2.10", VersionCheck.release("2.10rc1.4"));
        assertEquals("garbage", VersionCheck.release("garbage"));
    }

    @Test
    void theWorkerPackageIsComparedWithThisTaipan() {
        String ours = TaipanVersion.pythonVersion();
        String release = VersionCheck.release(ours);
        assertEquals("same", VersionCheck.comparePackage("p", "w-1", ours));
        assertEquals("patch", VersionCheck.comparePackage("p", "w-1", release + ".99"));
        assertEquals("release", VersionCheck.comparePackage("p", "w-1", "9.9.9"));
        assertEquals("release", VersionCheck.comparePackage("p", "w-1", null));
    }

    @Test
    void aWorkerOfAnotherPackageVersionButTheSameProtocolServes() {
        FakeWorkerSource fakes = new FakeWorkerSource().on("ok", FakeFunction.returning("fine"))
                .helloVersions(dev.taipan.protocol.Messages.VERSION, "9.9.9");
        try (PoolEngine pool = fakes.start(config().workers(1))) {
            assertEquals("fine", pool.call("ok", List.of(), null));
        }
    }
}
