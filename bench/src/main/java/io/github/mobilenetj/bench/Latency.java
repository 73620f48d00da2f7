package io.github.mobilenetj.bench;

import ai.onnxruntime.OrtException;
import io.github.mobilenetj.io.SafetensorsFile;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Precision;
import io.github.mobilenetj.model.Session;
import io.github.mobilenetj.reference.MobileNetSpec;
import io.github.mobilenetj.reference.OnnxMobileNetWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One engine at one precision, timed in a process of its own: the unit {@code bench/precision.py} interleaves with
 * the other engines and the native C baseline, round after round.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar io.github.mobilenetj.bench.Latency
 *     --engine ours|ort --precision fp32|bf16|int8 --weights W.safetensors --quantized Q.int8.safetensors
 *     --resolution R [--batch 1] [--threads 1] [--iterations 200] [--warmup 50] [--warmup-ms 0] [--json OUT]
 * </pre>
 *
 * <ul>
 *   <li>{@code ours}: {@code MobileNetV1.builder().resolution(R).maxBatchSize(B).threads(T).precision(P).load(W)}
 *       (fp32, bf16) or {@code .precision(INT8).load(Q)}, one session, {@code Session.run(MemorySegment,
 *       MemorySegment)} on native segments of a confined arena (the zero-copy path, as the CLI's {@code latency});
 *   <li>{@code ort}: ONNX Runtime (ALL_OPT, intra-op threads T, inter-op 1, sequential, spinning at its default)
 *       on the float graph of W with BatchNorm folded (fp32) or the QDQ graph of Q (int8), input and pinned output
 *       tensors over direct buffers created once; bf16 has no CPU kernel in ORT and exits with status 3.
 * </ul>
 * Input: {@code sin(i × 0.001)}, as the CLI's {@code latency} and {@code native/mobilenet_bench}. Timing: {@code
 * System.nanoTime()} around each run; p50/p90/p99 are nearest-rank. Prints one line
 * {@code latency ENGINE PRECISION ...: p50 X ms, p90 X ms, p99 X ms, mean X ms} (4 decimals).
 */
public final class Latency {

    /** Exit status when the engine cannot run this precision on this machine (e.g. bf16 without hardware support). */
    static final int UNAVAILABLE = 3;

    private Latency() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        String engine = o.getOrDefault("engine", "ours");
        String precision = o.getOrDefault("precision", "fp32");
        int resolution = Integer.parseInt(o.getOrDefault("resolution", "224"));
        int batch = Integer.parseInt(o.getOrDefault("batch", "1"));
        int threads = Integer.parseInt(o.getOrDefault("threads", "1"));
        int iterations = Integer.parseInt(o.getOrDefault("iterations", "200"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "50"));
        // The warm-up lasts at least this long too: the Java side of a run (FFM downcalls, argument binding) must be
        // JIT-compiled before timing, which takes thousands of runs when each run is a millisecond.
        warmupNanos = Long.parseLong(o.getOrDefault("warmup-ms", "0")) * 1_000_000L;
        Precision p = Support.precision(precision);
        Path weights = p == Precision.INT8 ? Path.of(required(o, "quantized")) : Path.of(required(o, "weights"));
        long[] nanos;
        String what;
        try {
            if (engine.equals("ours")) {
                MobileNetV1.Builder b = MobileNetV1.builder().maxBatchSize(batch).threads(threads).precision(p);
                if (p != Precision.INT8) {
                    b.resolution(resolution);
                }
                try (MobileNetV1 model = b.load(weights)) {
                    what = "MobileNetV1 α " + model.config().widthMultiplier() + " " + model.config().resolution() + "x"
                            + model.config().resolution();
                    nanos = timeOurs(model, batch, iterations, warmup);
                }
            } else if (engine.equals("ort")) {
                what = "MobileNetV1 " + (p == Precision.INT8 ? "QDQ " + weights.getFileName() : weights.getFileName())
                        + " " + resolution + "x" + resolution;
                nanos = timeOrt(onnx(p, weights, resolution), batch, resolution, threads, iterations, warmup);
            } else {
                throw new IllegalArgumentException("--engine must be ours or ort, got " + engine);
            }
        } catch (UnsupportedOperationException | OrtException e) {
            System.out.println("unavailable: " + engine + " " + precision + ": " + e.getMessage());
            System.exit(UNAVAILABLE);
            return;
        }
        Arrays.sort(nanos);
        double mean = Arrays.stream(nanos).average().orElse(Double.NaN) / 1e6;
        String line = String.format(Locale.ROOT, "latency %s %s %s batch %d, %d thread(s), %d runs: p50 %.4f ms, p90 %.4f ms,"
                + " p99 %.4f ms, mean %.4f ms", engine, precision, what, batch, threads, iterations, pct(nanos, 50),
                pct(nanos, 90), pct(nanos, 99), mean);
        System.out.println(line);
        if (o.containsKey("json")) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("engine", engine);
            json.put("precision", precision);
            json.put("resolution", resolution);
            json.put("batch", batch);
            json.put("threads", threads);
            json.put("iterations", iterations);
            json.put("warmup", warmup);
            json.put("p50_ms", pct(nanos, 50));
            json.put("p90_ms", pct(nanos, 90));
            json.put("p99_ms", pct(nanos, 99));
            json.put("mean_ms", mean);
            Files.writeString(Path.of(o.get("json")), MachineInfo.Json.write(json) + "\n");
        }
    }

    private static long warmupNanos;

    /** One run of the engine under test. */
    private interface Run {
        void run() throws OrtException;
    }

    /** Warms up for {@code warmup} runs and {@link #warmupNanos}, whichever is longer, then times {@code iterations} runs. */
    private static long[] time(Run run, int iterations, int warmup) throws OrtException {
        long warmUntil = System.nanoTime() + warmupNanos;
        for (int i = 0; i < warmup || System.nanoTime() - warmUntil < 0; i++) {
            run.run();
        }
        long[] nanos = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            run.run();
            nanos[i] = System.nanoTime() - t0;
        }
        return nanos;
    }

    private static long[] timeOurs(MobileNetV1 model, int batch, int iterations, int warmup) throws OrtException {
        var c = model.config();
        try (Arena arena = Arena.ofConfined(); Session session = model.newSession()) {
            MemorySegment input = arena.allocate((long) batch * c.imageSize() * Float.BYTES, 64);
            MemorySegment logits = arena.allocate((long) batch * c.classes() * Float.BYTES, 64);
            for (long i = 0; i < input.byteSize() / Float.BYTES; i++) {
                input.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i * 0.001));
            }
            return time(() -> session.run(input, logits), iterations, warmup);
        }
    }

    private static long[] timeOrt(byte[] onnx, int batch, int resolution, int threads, int iterations, int warmup)
            throws OrtException {
        try (OrtNet net = new OrtNet(onnx, new long[] {batch, 3, resolution, resolution}, new long[] {batch, Support.CLASSES},
                threads)) {
            FloatBuffer in = net.inputBuffer();
            for (int i = 0; i < in.capacity(); i++) {
                in.put(i, (float) Math.sin(i * 0.001));
            }
            return time(net::run, iterations, warmup);
        }
    }

    /** The ONNX graph ORT runs: float (BatchNorm folded) or bf16 from the float file, QDQ from the quantized one. */
    static byte[] onnx(Precision p, Path file, int resolution) throws IOException {
        if (p == Precision.INT8) {
            return Support.onnxInt8(file);
        }
        Map<String, float[]> tensors = new HashMap<>();
        double alpha;
        int classes;
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            for (String name : st.names()) {
                if (!name.endsWith("num_batches_tracked")) {
                    tensors.put(name, st.readFloats(name));
                }
            }
            long[] fc = st.info("fc.weight").shape();
            classes = Math.toIntExact(fc[0]);
            alpha = fc[1] / 1024.0;
        }
        MobileNetSpec spec = MobileNetSpec.of(alpha, resolution, classes);
        return p == Precision.BF16 ? OnnxMobileNetWriter.writeBf16(spec, tensors::get)
                : OnnxMobileNetWriter.write(spec, tensors::get, false, true);
    }

    private static double pct(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    private static String required(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            o.put(args[i].substring(2), args[++i]);
        }
        return o;
    }
}
