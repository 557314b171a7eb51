package dev.taipan.python;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A second JVM for ProvisioningTest: provisions the environment the test does, prints what it got. */
public final class ProvisioningChildJvm {
    private ProvisioningChildJvm() {
    }

    public static void main(String[] args) {
        Provisioner.Provisioned p = new Provisioner(new Provisioner.Spec(Path.of(args[0]), Path.of(args[1]), List.of(),
                null, Duration.ofMinutes(5), Provisioner.RUNTIME_REQUIREMENTS, List.of()), RuntimeFiles.inThisJar())
                .provision();
        System.out.println("DIR " + p.dir());
        System.out.println("BUILT " + p.built());
    }
}
