package io.github.mobilenetj.cli;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Session;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code mobilenetj latency}: batch latency percentiles and images/s on the zero-copy path. */
final class LatencyCommand {
    private final PrintStream out;

    LatencyCommand(PrintStream out) {
        this.out = out;
    }

    void run(List<String> args) throws IOException {
        Options o = new Options("latency", args, Set.of("iterations", "threads", "batch", "alpha", "resolution", "classes",
                "weights", "warmup"), Set.of());
        if (!o.positional().isEmpty()) {
            throw new UsageException("latency takes no positional arguments, got " + o.positional());
        }
        int iterations = o.positiveInt("iterations", 200);
        int threads = o.positiveInt("threads", Runtime.getRuntime().availableProcessors());
        int batch = o.positiveInt("batch", 1);
        int warmup = o.positiveInt("warmup", Math.max(10, iterations / 10));
        try (MobileNetV1 model = ModelSettings.build(o, batch, out)) {
            out.println(measure(model, iterations, warmup, threads, batch));
        }
    }

    /** Times {@code iterations} runs after {@code warmup} untimed ones; returns one summary line. */
    static String measure(MobileNetV1 model, int iterations, int warmup, int threads, int batch) {
        var c = model.config();
        try (Arena arena = Arena.ofConfined(); Session session = model.newSession(threads)) {
            MemorySegment input = arena.allocate((long) batch * model.imageSize() * Float.BYTES, 64);
            MemorySegment logits = arena.allocate((long) batch * c.classes() * Float.BYTES, 64);
            for (long i = 0; i < input.byteSize() / Float.BYTES; i++) {
                input.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i * 0.001));
            }
            for (int i = 0; i < warmup; i++) {
                session.run(input, logits);
            }
            long[] nanos = new long[iterations];
            for (int i = 0; i < iterations; i++) {
                long t0 = System.nanoTime();
                session.run(input, logits);
                nanos[i] = System.nanoTime() - t0;
            }
            Arrays.sort(nanos);
            double total = Arrays.stream(nanos).sum() / 1e9;
            return String.format(Locale.ROOT,
                    "latency MobileNetV1 α %s %dx%d batch %d, %d thread(s), %d runs: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, %.1f images/s",
                    c.widthMultiplier(), c.resolution(), c.resolution(), batch, threads, iterations, percentile(nanos, 50),
                    percentile(nanos, 90), percentile(nanos, 99), iterations * batch / total);
        }
    }

    private static double percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }
}
