package dev.taipan.pool;

import dev.taipan.TaipanException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.taipan.protocol.Messages;
import dev.taipan.protocol.ProtocolVersionException;

/**
 * The handshake's judgement of a worker's versions, from its {@code hello}: another protocol
 * version cannot work and fails the worker's start with the fix spelled out; another package
 * version of the same protocol works and is only logged.
 */
final class VersionCheck {
    private static final Logger LOG = LoggerFactory.getLogger(VersionCheck.class);

    private VersionCheck() {
    }

    /**
     * Logs a worker package of another version than this Taipan's: at WARN if its release
     * differs (major or minor: features may be missing), at INFO if only its patch level does.
     * Returns what was found: "same", "patch" or "release".
     */
    static String comparePackage(String poolName, String workerId, Object workerPackage) {
        String ours = TaipanVersion.pythonVersion();
        String theirs = String.valueOf(workerPackage);
        if (ours.equals(theirs)) {
            return "same";
        }
        if (release(ours).equals(release(theirs))) {
            LOG.info("pool {} worker {}: taipan_worker {} with Taipan {} (another patch level; same protocol)",
                    poolName, workerId, theirs, ours);
            return "patch";
        }
        LOG.warn("pool {} worker {}: taipan_worker {} with Taipan {} (another release; same protocol, but features"
                + " of one may be missing in the other: install the taipan_worker of this release)", poolName,
                workerId, theirs, ours);
        return "release";
    }

    /** "major.minor" of a version, or the whole string if it has no such prefix. */
    static String release(String version) {
        String[] parts = version.split("\\.", 3);
        return parts.length >= 2 ? parts[0] + "." + parts[1].replaceAll("\\D.*", "") : version;
    }

    /** Why a worker whose hello speaks another protocol version cannot serve, and what to do. */
    static TaipanException protocolMismatch(String workerId, ProtocolVersionException e) {
        Object pkg = e.message().get("package");
        return new TaipanException("worker " + workerId + " speaks protocol version " + e.theirs()
                + (pkg == null ? "" : " (taipan_worker " + pkg + ")") + " and this pool speaks version "
                + Messages.VERSION + " (Taipan " + TaipanVersion.get() + "): its Python has a taipan_worker of another Taipan release. Install the"
                + " taipan_worker of this release in that Python, or let the pool provision its own environment"
                + " (PythonEnvironment.provisioned(), see docs/ENVIRONMENTS.md)", e);
    }
}
