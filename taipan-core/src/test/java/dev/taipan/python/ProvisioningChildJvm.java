package dev.taipan.python;

import dev.taipan.PythonEnvironmentException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A second JVM for the provisioning tests: provisions the environment the test does with this
 * JVM's own environment variables, prints what it got, or the typed error (exit 3).
 */
public final class ProvisioningChildJvm {
    private ProvisioningChildJvm() {
    }

    public static void main(String[] args) {
        try {
            Provisioner.Provisioned p = new Provisioner(new Provisioner.Spec(Path.of(args[0]), Path.of(args[1]),
                    List.of(), null, Duration.ofMinutes(5), Provisioner.RUNTIME_REQUIREMENTS, List.of()),
                    RuntimeFiles.inThisJar()).provision();
            System.out.println("DIR " + p.dir());
            System.out.println("BUILT " + p.built());
        } catch (PythonEnvironmentException e) {
            System.out.println("ERROR " + e.getClass().getName());
            System.out.println("MESSAGE " + e.getMessage());
            System.out.println("TAIL " + e.stderrTail());
            System.exit(3);
        }
    }
}
