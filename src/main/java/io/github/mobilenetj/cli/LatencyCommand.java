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
    /** Progress lines go to stderr at most this often, and only once a run takes longer. */
    private static final long PROGRESS_NANOS = 2_000_000_000L;

    private final PrintStream out;
    private final PrintStream progress;

    LatencyCommand(PrintStream out, PrintStream progress) {
        this.out = out;
        this.progress = progress;
    }

    int run(List<String> args) throws IOException {
        Options o = new Options("latency", args, Set.of("iterations", "threads", "batch", "alpha", "resolution", "classes",
                "weights", "warmup", "precision", "calibration", "samples", "method"), Set.of());
        if (!o.positional().isEmpty()) {
            throw new UsageException("latency takes no positional arguments, got " + Text.safe(o.positional().toString()));
        }
        int iterations = o.positiveInt("iterations", 200);
        int batch = o.positiveInt("batch", 1);
        int warmup = o.positiveInt("warmup", Math.max(10, iterations / 10));
        try (MobileNetV1 model = ModelSettings.build(o, batch, out, ModelSettings.Fallback.RANDOM)) {
            out.println(measure(model, iterations, warmup, model.threads(), batch, progress));
        }
        return 0;
    }

    /** Times {@code iterations} runs after {@code warmup} untimed ones; returns one summary line. */
    static String measure(MobileNetV1 model, int iterations, int warmup, int threads, int batch, PrintStream progress) {
        var c = model.config();
        try (Arena arena = Arena.ofConfined(); Session session = model.newSession(threads)) {
            MemorySegment input = arena.allocate((long) batch * c.imageSize() * Float.BYTES, 64);
            MemorySegment logits = arena.allocate((long) batch * c.classes() * Float.BYTES, 64);
            for (long i = 0; i < input.byteSize() / Float.BYTES; i++) {
                input.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i * 0.001));
            }
            long started = System.nanoTime();
            long lastReport = started;
            int total = warmup + iterations;
            long[] nanos = new long[iterations];
            for (int i = 0; i < total; i++) {
                long t0 = System.nanoTime();
                session.run(input, logits);
                long t1 = System.nanoTime();
                if (i >= warmup) {
                    nanos[i - warmup] = t1 - t0;
                }
                if (progress != null && t1 - lastReport >= PROGRESS_NANOS && i + 1 < total) {
                    lastReport = t1;
                    double perRun = (t1 - started) / 1e9 / (i + 1);
                    progress.printf(Locale.ROOT, "latency: %d of %d runs (%s), about %.0f s left%n", i + 1, total,
                            i < warmup ? "warm-up" : "timed", perRun * (total - i - 1));
                }
            }
            Arrays.sort(nanos);
            double seconds = Arrays.stream(nanos).sum() / 1e9;
            return String.format(Locale.ROOT,
                    "latency MobileNetV1 α %s %dx%d %s batch %d, %d thread(s), %d runs: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms,"
                            + " %.1f images/s",
                    c.widthMultiplier(), c.resolution(), c.resolution(), model.precision(), batch, threads, iterations,
                    percentile(nanos, 50), percentile(nanos, 90), percentile(nanos, 99), iterations * batch / seconds);
        }
    }

    private static double percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }
}
