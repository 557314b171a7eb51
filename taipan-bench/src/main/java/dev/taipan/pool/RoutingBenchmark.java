package dev.taipan.pool;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link Routing#leastBusy}: picking the ready worker with the fewest calls in flight, what
 * every call does under the engine's lock, among 1, 4 and 8 workers of 16 slots. Each
 * invocation takes a slot on the worker it picked and frees one on a random busy worker, so
 * the pool's load keeps moving (about half the slots busy) instead of the answer being
 * constant. In package {@code dev.taipan.pool} (a split package inside taipan-bench) because
 * routing is package-private; the public API is unchanged.
 *
 * <p>Run with {@code taipan bench jmh Routing} (see docs/benchmarks.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {
    private static final int SLOTS = 16;

    @Param({"1", "4", "8"})
    public int workers;

    private final List<Worker> pool = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(7);

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < workers; i++) {
            Worker w = new Worker("w-" + (i + 1), null);
            w.state = WorkerState.READY;
            w.inFlight = SLOTS / 2;
            pool.add(w);
        }
    }

    @Benchmark
    public Worker leastBusy() {
        Worker w = Routing.leastBusy(pool, SLOTS);
        if (w != null) {
            w.inFlight++;
        }
        Worker done = pool.get(random.nextInt(pool.size()));
        if (done.inFlight > 0) {
            done.inFlight--;
        }
        return w;
    }

    /** The same bookkeeping without the pick: what {@link #leastBusy} costs beyond routing. */
    @Benchmark
    public Worker baseline() {
        Worker w = pool.get(0);
        if (w.inFlight < SLOTS) {
            w.inFlight++;
        }
        Worker done = pool.get(random.nextInt(pool.size()));
        if (done.inFlight > 0) {
            done.inFlight--;
        }
        return w;
    }
}
