package dev.taipan.bench.jmh;

import dev.taipan.protocol.FrameCodec;
import dev.taipan.protocol.Messages;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The wire codec on the pool's hot path: encoding a {@code call} frame (what {@code submit}
 * does for every call) and a {@code result} frame, and decoding both frame bodies (what the
 * reader does for every reply), with a small argument ({@code [1]}, the overhead benchmark's
 * no-op call) and a 10 KB one (a list holding one 10,240-character ASCII string).
 *
 * <p>Run with {@code taipan bench jmh Codec} (see docs/benchmarks.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    private static final int MAX = FrameCodec.DEFAULT_MAX_FRAME_BYTES;

    /** {@code small}: {@code [1]}; {@code 10k}: one 10,240-character string. */
    @Param({"small", "10k"})
    public String payload;

    private Object args;
    private long id;
    private byte[] callFrame;
    private byte[] resultFrame;

    @Setup
    public void setUp() {
        if (payload.equals("small")) {
            args = List.of(1);
        } else {
            char[] text = new char[10 * 1024];
            for (int i = 0; i < text.length; i++) {
                text[i] = (char) ('a' + i % 26);
            }
            args = List.of(new String(text));
        }
        callFrame = FrameCodec.encode(Messages.call(42, "echo", args, null, 60_000L), MAX);
        resultFrame = FrameCodec.encode(Messages.result(42, args), MAX);
    }

    @Benchmark
    public byte[] encodeCall() {
        return FrameCodec.encode(Messages.call(++id, "echo", args, null, 60_000L), MAX);
    }

    @Benchmark
    public byte[] encodeResult() {
        return FrameCodec.encode(Messages.result(++id, args), MAX);
    }

    @Benchmark
    public Map<String, Object> decodeCall() {
        return FrameCodec.decodeBody(Arrays.copyOfRange(callFrame, FrameCodec.HEADER_BYTES, callFrame.length));
    }

    @Benchmark
    public Map<String, Object> decodeResult() {
        return FrameCodec.decodeBody(Arrays.copyOfRange(resultFrame, FrameCodec.HEADER_BYTES, resultFrame.length));
    }
}
