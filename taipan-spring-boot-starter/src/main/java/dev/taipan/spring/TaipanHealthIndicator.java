package dev.taipan.spring;

import dev.taipan.PoolHealth;
import dev.taipan.PoolStats;
import dev.taipan.TaipanPool;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pool's {@link PoolHealth} as a Spring health: HEALTHY is UP; DEGRADED and SATURATED are
 * {@link #DEGRADED} (still serving: HTTP 200, mapped by {@link TaipanHealthDefaults});
 * STARTING is OUT_OF_SERVICE (not serving yet, but nothing is wrong: take no traffic, do not
 * restart); CIRCUIT_OPEN and CLOSED are DOWN. The reason and the counters are the details.
 */
public final class TaipanHealthIndicator extends AbstractHealthIndicator {
    /** The pool serves, with less than all its capacity (or with calls waiting). */
    public static final Status DEGRADED = new Status("DEGRADED");

    private final TaipanPool pool;

    /**
     * An indicator of this pool's health; each check reads {@link TaipanPool#health()}.
     *
     * @param pool the pool
     */
    public TaipanHealthIndicator(TaipanPool pool) {
        super("Taipan pool health check failed");
        this.pool = pool;
    }

    /**
     * The Spring status of a pool status, as the class comment maps them.
     *
     * @param status the pool's status
     * @return UP, {@link #DEGRADED}, OUT_OF_SERVICE or DOWN
     */
    public static Status status(PoolHealth.Status status) {
        switch (status) {
            case HEALTHY:
                return Status.UP;
            case DEGRADED:
            case SATURATED:
                return DEGRADED;
            case STARTING:
                return Status.OUT_OF_SERVICE;
            default:
                return Status.DOWN;
        }
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        PoolHealth health = pool.health();
        PoolStats s = health.stats();
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("workers", s.workers());
        stats.put("ready", s.ready());
        stats.put("starting", s.starting());
        stats.put("inFlight", s.inFlight());
        stats.put("waiting", s.waiting());
        stats.put("sessions", s.sessions());
        stats.put("callsCompleted", s.callsCompleted());
        stats.put("callsFailed", s.callsFailed());
        stats.put("callsRetried", s.callsRetried());
        stats.put("workersReplaced", s.workersReplaced());
        stats.put("workersRecycled", s.workersRecycled());
        builder.status(status(health.status()))
                .withDetail("pool", pool.config().name())
                .withDetail("status", health.status().name())
                .withDetail("reason", health.reason())
                .withDetail("stats", stats);
    }
}
