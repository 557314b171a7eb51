package dev.taipan;

import java.time.Duration;
import java.util.List;

/**
 * Run in a small-heap child JVM by OutputBoundsTest: a worker prints one line of
 * {@code args[1]} bytes; the pool must keep serving, its worker's prints must still work, and
 * health must be HEALTHY with no worker lost. Prints "OK" and exits 0 if so.
 */
public final class HugeLineChildJvm {
    private HugeLineChildJvm() {
    }

    public static void main(String[] args) {
        long bytes = Long.parseLong(args[1]);
        try (TaipanPool pool = TaipanPool.start(PoolConfig.builder().name("huge-line").python(args[0])
                .modules("taipan_testing.functions").workers(1).callTimeout(Duration.ofSeconds(30)).build())) {
            pool.call("taipan_testing.functions:print_huge_line", List.of(bytes));
            for (int i = 0; i < 3; i++) {
                Object ok = pool.call("taipan_testing.functions:print_stdout", List.of("after " + i),
                        CallOptions.timeout(Duration.ofSeconds(10)));
                check(Boolean.TRUE.equals(ok), "print_stdout answered " + ok);
            }
            check(Long.valueOf(5).equals(pool.call("taipan_testing.functions:add", List.of(2, 3))), "add");
            PoolHealth health = pool.health();
            check(health.status() == PoolHealth.Status.HEALTHY, "health: " + health);
            check(pool.stats().workersReplaced() == 0, "a worker was lost: " + pool.stats());
            System.out.println("OK max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        }
        System.exit(0);
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            System.out.println("FAILED " + what);
            System.exit(1);
        }
    }
}
