package dev.taipan.bench.jmh;

import dev.taipan.pool.RoutingLoad;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Routing: picking the ready worker with the fewest calls in flight, what every call does
 * under the engine's lock, among 1, 4 and 8 workers of 16 slots. Each invocation takes a slot
 * on the worker it picked and frees one on a random busy worker, so the pool's load keeps
 * moving (about half the slots busy) instead of the answer being constant. Routing is
 * package-private in taipan-core; {@link RoutingLoad} drives it (that package is exported to
 * this module alone, not to users).
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

    private RoutingLoad load;
    private final SplittableRandom random = new SplittableRandom(7);

    @Setup(Level.Trial)
    public void setUp() {
        load = new RoutingLoad(workers, SLOTS);
    }

    @Benchmark
    public Object leastBusy() {
        Object w = load.pickLeastBusy();
        load.release(random.nextInt(load.size()));
        return w;
    }

    /** The same bookkeeping without the pick: what {@link #leastBusy} costs beyond routing. */
    @Benchmark
    public Object baseline() {
        Object w = load.pickFirst();
        load.release(random.nextInt(load.size()));
        return w;
    }
}
