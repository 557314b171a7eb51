package dev.taipan.pool;

import dev.taipan.TaipanException;

/** Why a worker was declared unresponsive: it sent nothing for three heartbeat intervals (see {@link Liveness}). */
final class HeartbeatTimeout extends TaipanException {
    HeartbeatTimeout(String message) {
        super(message);
    }
}
