package dev.taipan.pool;

import dev.taipan.TaipanException;
import dev.taipan.protocol.Messages;
import dev.taipan.protocol.ProtocolVersionException;

/**
 * The handshake's judgement of a worker's versions, from its {@code hello}: another protocol
 * version cannot work and fails the worker's start with the fix spelled out; another package
 * version of the same protocol works and is only logged.
 */
final class VersionCheck {
    private VersionCheck() {
    }

    /** Why a worker whose hello speaks another protocol version cannot serve, and what to do. */
    static TaipanException protocolMismatch(String workerId, ProtocolVersionException e) {
        Object pkg = e.message().get("package");
        return new TaipanException("worker " + workerId + " speaks protocol version " + e.theirs()
                + (pkg == null ? "" : " (taipan_worker " + pkg + ")") + " and this pool speaks version "
                + Messages.VERSION + ": its Python has a taipan_worker of another Taipan release. Install the"
                + " taipan_worker of this release in that Python, or let the pool provision its own environment"
                + " (PythonEnvironment.provisioned(), see docs/ENVIRONMENTS.md)", e);
    }
}
