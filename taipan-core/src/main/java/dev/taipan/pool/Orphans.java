package dev.taipan.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;

/**
 * Finds and ends workers left behind by an earlier JVM of the same pool name that was
 * killed before it could stop them (normally the parent-death signal already did). A
 * process is ended only if its command line is a Taipan worker's ({@code -m taipan_worker}, or {@code -m taipan_worker.zygote} for a zygote and its forked workers),
 * names this pool, and names a parent process that no longer exists: a live pool's workers,
 * and every other process, are never touched.
 */
final class Orphans {
    private static final Logger LOG = LoggerFactory.getLogger(Orphans.class);

    /** Workers, and zygotes with the workers they forked (which keep the zygote's command line). */
    private static final java.util.Set<String> WORKER_MODULES = java.util.Set.of("taipan_worker", "taipan_worker.zygote");

    private Orphans() {
    }

    /** Ends the orphans of pool {@code poolName}; returns how many. */
    static int reap(String poolName) {
        int n = 0;
        for (ProcessHandle p : (Iterable<ProcessHandle>) ProcessHandle.allProcesses()::iterator) {
            Optional<String[]> args = p.info().arguments();
            if (args.isEmpty() || !isOrphanOf(List.of(args.get()), poolName)) {
                continue;
            }
            LOG.warn("pool {}: ending worker process {} left behind by a JVM that no longer exists ({})", poolName,
                    p.pid(), String.join(" ", args.get()));
            p.destroyForcibly();
            n++;
        }
        return n;
    }

    static boolean isOrphanOf(List<String> args, String poolName) {
        int m = args.indexOf("-m");
        if (m < 0 || m + 1 >= args.size() || !WORKER_MODULES.contains(args.get(m + 1))) {
            return false;
        }
        if (!poolName.equals(valueOf(args, "--pool-name"))) {
            return false;
        }
        String parent = valueOf(args, "--parent-pid");
        if (parent == null) {
            return false;
        }
        try {
            long pid = Long.parseLong(parent);
            return pid != ProcessHandle.current().pid()
                    && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String valueOf(List<String> args, String flag) {
        int i = args.indexOf(flag);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
    }
}
