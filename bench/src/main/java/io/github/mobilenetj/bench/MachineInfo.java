package io.github.mobilenetj.bench;

import ai.onnxruntime.OrtEnvironment;
import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.NativeLibrary;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.model.Kernel;
import io.github.mobilenetj.nn.Network;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Records the machine and the libraries the benchmarks ran on, as JSON for report.py: CPU model and flags,
 * cores, JDK, oneDNN version and the ISA its JIT uses, ONNX Runtime version, the primitives (kernels) oneDNN
 * chose for every layer benchmark and the batch-1 network, and a cross-check that mobilenetj and ONNX Runtime
 * compute the same logits on the benchmarked networks (so the comparison is of the same work), and the same
 * check against PyTorch through DJL on the 1.0-224 network.
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar io.github.mobilenetj.bench.MachineInfo OUT.json}
 */
public final class MachineInfo {

    private MachineInfo() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "results/machine.json");
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("date", Instant.now().toString());
        info.put("cpuModel", cpuInfo("model name"));
        String flags = cpuInfo("flags");
        List<String> isaFlags = new ArrayList<>();
        if (flags != null) {
            for (String f : flags.split("\\s+")) {
                if (f.startsWith("avx") || f.startsWith("amx") || f.equals("fma") || f.startsWith("sse4")) {
                    isaFlags.add(f);
                }
            }
        }
        info.put("cpuIsaFlags", isaFlags);
        info.put("logicalCpus", Runtime.getRuntime().availableProcessors());
        info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        info.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + Runtime.version());
        info.put("onednnVersion", Dnnl.version().toString());
        Dnnl.cpuIsa().ifPresent(isa -> info.put("onednnIsa", isa)); // x86-64 only: aarch64 ISAs have x86 names
        info.put("onednnLibrary", NativeLibrary.load().library().toString());
        info.put("onednnDefaultThreads", Dnnl.threads());
        info.put("onnxRuntimeVersion", OrtEnvironment.getEnvironment().getVersion());
        info.put("onnxRuntimeJar", "com.microsoft.onnxruntime:onnxruntime:1.29.0");

        Map<String, Object> primitives = new LinkedHashMap<>();
        Map<String, Object> crossCheck = new LinkedHashMap<>();
        Map<String, Object> crossCheckTorch = new LinkedHashMap<>();
        for (LayerCase c : LayerCase.values()) {
            for (PixelLayout layout : PixelLayout.values()) {
                try (OursLayer n = new OursLayer(c, layout, Dnnl.threads())) {
                    primitives.put("layer " + c + " " + layout, describe(n.network.primitives()));
                    if (layout == PixelLayout.CHW) {
                        crossCheck.put("layer " + c, compareLayer(c, n));
                    }
                }
            }
        }
        for (double alpha : new double[] {1.0, 0.25}) {
            int resolution = alpha == 1.0 ? 224 : 128;
            try (OursNet ours = new OursNet(alpha, resolution, 1, 1)) {
                if (alpha == 1.0) {
                    primitives.put("network alpha 1.0 224 batch 1", describeKernels(ours.model.kernels()));
                }
                ModelConfig config = Support.config(alpha, resolution, 1);
                try (OrtNet ort = new OrtNet(Support.onnx(config, Support.weights(config)),
                        new long[] {1, 3, resolution, resolution}, new long[] {1, Support.CLASSES}, 1)) {
                    crossCheck.put("network alpha " + alpha + " " + resolution,
                            compare(ours.logits, MemorySegment.ofBuffer(ortLogits(ort))));
                }
                if (alpha == 1.0) {
                    try (TorchNet torch = new TorchNet(config, Support.weights(config), 1)) {
                        crossCheckTorch.put("network alpha 1.0 224", compare(ours.logits, MemorySegment.ofArray(torch.logits())));
                    }
                    info.put("pytorchVersion", ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
                    info.put("pytorchJars", TorchNet.ARTIFACTS);
                }
            }
        }
        precisions(info, primitives);
        info.put("primitives", primitives);
        info.put("crossCheckOursVsOrt", crossCheck);
        info.put("crossCheckOursVsPyTorchDjl", crossCheckTorch);
        info.put("threadAllocatedBytesPerRun", allocationCheck());
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, Json.write(info) + "\n");
        System.out.println("wrote " + out + ": oneDNN " + info.get("onednnVersion") + " ISA " + info.get("onednnIsa")
                + ", ONNX Runtime " + info.get("onnxRuntimeVersion") + ", PyTorch (DJL) " + info.get("pytorchVersion")
                + "\n  cross-check " + crossCheck + "\n  vs PyTorch (DJL) " + crossCheckTorch
                + "\n  allocation " + info.get("threadAllocatedBytesPerRun"));
    }

    /**
     * Reduced precision: which precisions mobilenetj runs here, the kernels of the 1.0-224 network at bf16 and int8,
     * whether ONNX Runtime can run a bf16 graph (its CPU execution provider has no bf16 Conv: the session is refused),
     * what ORT's graph optimizer makes of the int8 QDQ graph (its fused integer kernels), and ours-vs-ORT on the same
     * quantized network.
     */
    private static void precisions(Map<String, Object> info, Map<String, Object> primitives) throws Exception {
        Map<String, Object> available = new LinkedHashMap<>();
        for (String p : List.of("fp32", "bf16", "int8")) {
            String problem = Precisions.problem(Support.precision(p));
            available.put(p, problem == null ? "yes" : problem);
        }
        info.put("oursPrecisions", available);
        for (String p : List.of("bf16", "int8")) {
            if (!"yes".equals(available.get(p))) {
                continue;
            }
            try (OursNet ours = new OursNet(1.0, 224, 1, 1, p)) {
                primitives.put("network alpha 1.0 224 batch 1 " + p, describeKernels(ours.model.kernels()));
            }
        }
        ModelConfig small = Support.config(0.25, 128, 1);
        byte[] bf16 = io.github.mobilenetj.reference.OnnxMobileNetWriter.writeBf16(Support.spec(small),
                Support.weights(small)::values);
        try (ai.onnxruntime.OrtSession.SessionOptions o = Support.ortOptions(1);
             ai.onnxruntime.OrtSession s = OrtEnvironment.getEnvironment().createSession(bf16, o)) {
            info.put("ortBf16", "session created");
        } catch (ai.onnxruntime.OrtException e) {
            info.put("ortBf16", e.getMessage());
        }
        info.put("ortInt8Optimized", ortOptimizedOps(Support.onnx(1.0, 224, "int8")));
        Map<String, Object> int8 = new LinkedHashMap<>();
        for (double alpha : new double[] {1.0, 0.25}) {
            int resolution = alpha == 1.0 ? 224 : 128;
            try (OursNet ours = new OursNet(alpha, resolution, 1, 1, "int8");
                 OrtNet ort = new OrtNet(Support.onnx(alpha, resolution, "int8"), new long[] {1, 3, resolution, resolution},
                         new long[] {1, Support.CLASSES}, 1)) {
                int8.put("network alpha " + alpha + " " + resolution + " int8",
                        compareInt8(ours.logits, MemorySegment.ofBuffer(ort.logitsBuffer()), alpha, resolution));
            }
        }
        info.put("crossCheckOursVsOrtInt8", int8);
    }

    /** The operators of ORT's optimized model (ALL_OPT, 1 thread), counted by {@code domain.op_type}. */
    private static Map<String, Integer> ortOptimizedOps(byte[] onnx) throws Exception {
        Path file = Files.createTempFile("ort-optimized-", ".onnx");
        try (ai.onnxruntime.OrtSession.SessionOptions o = Support.ortOptions(1)) {
            o.setOptimizedModelFilePath(file.toString());
            try (ai.onnxruntime.OrtSession s = OrtEnvironment.getEnvironment().createSession(onnx, o)) {
                return io.github.mobilenetj.reference.OnnxOps.counts(Files.readAllBytes(file));
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * ours vs ORT on the same quantized network. They differ by design in one place: ORT holds each bias on the
     * accumulator's int32 grid, we add the float bias (see QuantizedOrtCrossCheckTest), so a few u8 codes round the
     * other way; ok means within one u8 step of every pooled feature times the classifier's weights.
     */
    private static Map<String, Object> compareInt8(MemorySegment ours, MemorySegment ort, double alpha, int resolution)
            throws IOException {
        Map<String, Object> r = compare(ours, ort);
        var q = io.github.mobilenetj.reference.QuantizedMobileNet.read(Support.quantizedFile(alpha, resolution));
        var fc = q.layers().getLast();
        float sPool = q.layers().get(q.layers().size() - 2).outputScale();
        float[] w = fc.dequantizedWeights();
        int k = fc.shape()[1];
        double l1 = 0;
        for (int j = 0; j < fc.shape()[0]; j++) {
            double a = 0;
            for (int i = 0; i < k; i++) {
                a += Math.abs(w[j * k + i]);
            }
            l1 = Math.max(l1, a);
        }
        double bound = sPool * l1;
        r.put("bound", bound);
        r.put("ok", (Double) r.get("maxAbsDiff") <= bound);
        return r;
    }

    /**
     * Java heap bytes the calling thread allocates per run, from {@code ThreadMXBean.getCurrentThreadAllocatedBytes}
     * after a JIT warm-up: exact for the benchmark thread, unlike {@code -prof gc}, whose per-op figure also
     * includes JMH's own background allocation spread over the ops.
     */
    private static Map<String, Object> allocationCheck() throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        int warmup = Integer.getInteger("bench.alloc.warmup", 10000);
        int runs = Integer.getInteger("bench.alloc.runs", 1000);
        for (String p : List.of("fp32", "bf16", "int8")) {
            if (Precisions.problem(Support.precision(p)) != null) {
                continue;
            }
            try (OursNet ours = new OursNet(0.25, 128, 1, 1, p)) {
                r.put("ours Session.run(MemorySegment, MemorySegment) alpha 0.25 128 batch 1" + ("fp32".equals(p) ? "" : " " + p),
                        perRun(ours::run, warmup, runs));
            }
        }
        LayerCase fc = LayerCase.FC_1024to1000;
        try (OursLayer n = new OursLayer(fc, PixelLayout.CHW, 1); Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(n.network.inputBytes(), 64);
            MemorySegment out = arena.allocate(n.network.outputBytes(), 64);
            r.put("ours Execution.run(MemorySegment, MemorySegment) " + fc, perRun(() -> n.execution.run(in, out), warmup, runs));
        }
        ModelConfig config = Support.config(0.25, 128, 1);
        try (OrtNet ort = new OrtNet(Support.onnx(config, Support.weights(config)), new long[] {1, 3, 128, 128},
                new long[] {1, Support.CLASSES}, 1)) {
            r.put("ORT session.run(inputs, pinnedOutputs) alpha 0.25 128 batch 1", perRun(() -> {
                try {
                    ort.run();
                } catch (ai.onnxruntime.OrtException x) {
                    throw new IllegalStateException(x);
                }
            }, warmup, runs));
        }
        try (TorchNet torch = new TorchNet(config, Support.weights(config), 1)) {
            r.put("PyTorch (DJL) block.forward in a sub-manager alpha 0.25 128 batch 1", perRun(torch::run, warmup, runs));
        }
        r.put("runs", runs);
        r.put("warmupRuns", warmup);
        return r;
    }

    private static double perRun(Runnable run, int warmup, int runs) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < warmup; i++) {
            run.run();
        }
        long empty0 = threads.getCurrentThreadAllocatedBytes();
        long empty1 = threads.getCurrentThreadAllocatedBytes();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < runs; i++) {
            run.run();
        }
        long after = threads.getCurrentThreadAllocatedBytes();
        return Math.max(0, (after - before) - (empty1 - empty0)) / (double) runs;
    }

    private static java.nio.FloatBuffer ortLogits(OrtNet ort) {
        return ort.logitsBuffer();
    }

    private static Map<String, Object> compareLayer(LayerCase c, OursLayer n) throws Exception {
        try (Arena arena = Arena.ofConfined();
             OrtNet ort = new OrtNet(c.onnx(), c.onnxInputDims(), c.onnxOutputDims(), 1)) {
            MemorySegment in = arena.allocate(n.network.inputBytes(), 64);
            MemorySegment out = arena.allocate(n.network.outputBytes(), 64);
            Support.fill(in, Support.INPUT_SEED);
            n.execution.run(in, out);
            return compare(out, MemorySegment.ofBuffer(ort.logitsBuffer()));
        }
    }

    private static Map<String, Object> compare(MemorySegment ours, MemorySegment ort) {
        long n = ours.byteSize() / Float.BYTES;
        if (ort.byteSize() / Float.BYTES != n) {
            throw new IllegalStateException("output sizes differ: " + n + " vs " + ort.byteSize() / Float.BYTES);
        }
        double maxDiff = 0;
        double maxAbs = 0;
        for (long i = 0; i < n; i++) {
            float a = ours.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float b = ort.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            maxDiff = Math.max(maxDiff, Math.abs(a - b));
            maxAbs = Math.max(maxAbs, Math.abs(b));
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("values", n);
        r.put("maxAbsDiff", maxDiff);
        r.put("maxAbsValue", maxAbs);
        r.put("ok", maxDiff <= 1e-3 * Math.max(1, maxAbs));
        return r;
    }

    private static List<String> describe(List<Network.PrimitiveInfo> list) {
        return describeKernels(list.stream().map(p -> new Kernel(p.label(), p.operation(), p.implementation(), p.reorder()))
                .toList());
    }

    private static List<String> describeKernels(List<Kernel> list) {
        List<String> out = new ArrayList<>();
        for (Kernel p : list) {
            out.add(String.format(Locale.ROOT, "%s: %s %s", p.layer(), p.operation(), p.implementation()));
        }
        return out;
    }

    private static String cpuInfo(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                    return line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    /** A tiny JSON writer for maps, lists, strings, numbers and booleans. */
    static final class Json {
        private Json() {
        }

        static String write(Object value) {
            StringBuilder sb = new StringBuilder();
            write(sb, value, "");
            return sb.toString();
        }

        private static void write(StringBuilder sb, Object v, String indent) {
            String inner = indent + "  ";
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Map<?, ?> m) {
                sb.append("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "\n" : ",\n").append(inner);
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue(), inner);
                    first = false;
                }
                sb.append(first ? "}" : "\n" + indent + "}");
            } else if (v instanceof List<?> l) {
                sb.append("[");
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i == 0 ? "\n" : ",\n").append(inner);
                    write(sb, l.get(i), inner);
                }
                sb.append(l.isEmpty() ? "]" : "\n" + indent + "]");
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                string(sb, v.toString());
            }
        }

        private static void string(StringBuilder sb, String s) {
            sb.append('"');
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                        else sb.append(c);
                    }
                }
            }
            sb.append('"');
        }
    }
}
