package dev.taipan;

import java.util.Locale;

/**
 * How a pool starts its worker processes.
 *
 * <p>{@link #ZYGOTE} (the default where the operating system can fork): one warm Python parent
 * per pool imports the runtime and the configured modules once, then forks each worker on
 * request, so a worker is ready in milliseconds instead of the seconds a heavy import (DSPy)
 * takes, and forked workers share the parent's memory pages until they write to them. A
 * forked worker runs exactly the code a spawned one does. If the zygote cannot start, or
 * importing the modules started threads (forking would copy their locks mid-use), the pool
 * falls back to spawning and says so in its log.
 *
 * <p>{@link #SPAWN}: every worker is a fresh {@code python -m taipan_worker} process.
 */
public enum StartMode {
    /** Fork each worker from the pool's warm zygote. */
    ZYGOTE,
    /** Start each worker as a fresh process. */
    SPAWN;

    /** Environment variable that sets the default start mode: {@code zygote} or {@code spawn}. */
    public static final String ENV = "TAIPAN_START_MODE";

    /**
     * The default: {@code TAIPAN_START_MODE} if set, else {@link #ZYGOTE} where the OS can fork
     * (not Windows), else {@link #SPAWN}.
     *
     * @return the default mode
     * @throws IllegalArgumentException if {@code TAIPAN_START_MODE} holds neither name
     */
    public static StartMode defaultMode() {
        String v = System.getenv(ENV);
        if (v != null && !v.isBlank()) {
            return parse(v);
        }
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows") ? SPAWN : ZYGOTE;
    }

    /**
     * Parses {@code zygote} or {@code spawn} (any case, surrounding blanks ignored).
     *
     * @param text the mode's name
     * @return the mode
     * @throws IllegalArgumentException with a message naming both, if {@code text} is neither
     */
    public static StartMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("start mode must be 'zygote' or 'spawn', got '" + text + "'", e);
        }
    }
}
