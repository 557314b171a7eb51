package dev.taipan.spark;

import dev.taipan.PoolConfig;
import dev.taipan.TaipanPool;
import dev.taipan.dspy.Dspy;
import dev.taipan.dspy.Program;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The pools of this JVM (one Spark executor), one per distinct pool configuration: started by
 * the first task that needs it, shared by the executor's tasks, closed when the executor ends
 * ({@link TaipanSparkPlugin}, else a JVM shutdown hook) or by {@link #closeAll()}. A pool is
 * expensive (Python processes that import DSPy), a task is short: so the pool outlives tasks.
 */
public final class TaipanSparkPools {
    private static final Map<SortedMap<String, String>, Entry> POOLS = new ConcurrentHashMap<>();
    private static final AtomicBoolean HOOK = new AtomicBoolean();

    private TaipanSparkPools() {
    }

    /** One pool and what is built on it once: the DSPy binding and the programs. */
    static final class Entry {
        final TaipanPool pool;
        private volatile Dspy dspy;
        private final Map<DspyProgramSpec, Program> programs = new ConcurrentHashMap<>();
        /** Runs started again after their worker was lost. */
        final LongAdder rowRetries = new LongAdder();

        Entry(TaipanPool pool) {
            this.pool = pool;
        }

        Program program(DspyProgramSpec spec) {
            return programs.computeIfAbsent(spec, s -> s.program(dspy()));
        }

        private Dspy dspy() {
            Dspy d = dspy;
            if (d == null) {
                synchronized (this) {
                    d = dspy;
                    if (d == null) {
                        d = Dspy.on(pool);
                        dspy = d;
                    }
                }
            }
            return d;
        }
    }

    /**
     * The pool of this configuration, started now if this JVM has none yet. A pool that cannot
     * start is not kept: the task fails, and the next one tries again.
     */
    static Entry entry(SortedMap<String, String> poolProperties) {
        Entry e = POOLS.get(poolProperties);
        if (e != null) {
            return e;
        }
        synchronized (POOLS) {
            e = POOLS.get(poolProperties);
            if (e == null) {
                Properties p = new Properties();
                p.putAll(poolProperties);
                e = new Entry(TaipanPool.start(PoolConfig.from(p)));
                POOLS.put(poolProperties, e);
                if (HOOK.compareAndSet(false, true)) {
                    Runtime.getRuntime().addShutdownHook(new Thread(TaipanSparkPools::closeAll, "taipan-spark-pools-close"));
                }
            }
            return e;
        }
    }

    /** The open pools of this JVM, for tests and the benchmark. */
    static List<Entry> entries() {
        return new ArrayList<>(POOLS.values());
    }

    /** {@return how many pools this JVM has open} */
    public static int size() {
        return POOLS.size();
    }

    /**
     * Closes every pool of this JVM (their workers drain, then exit); a later task starts a new
     * one. Runs still going on them fail. Safe to call at any time, and more than once.
     */
    public static void closeAll() {
        List<Entry> closing;
        synchronized (POOLS) {
            closing = new ArrayList<>(POOLS.values());
            POOLS.clear();
        }
        RuntimeException first = null;
        for (Entry e : closing) {
            try {
                e.pool.close();
            } catch (RuntimeException ex) {
                if (first == null) {
                    first = ex;
                } else {
                    first.addSuppressed(ex);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
