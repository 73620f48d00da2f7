package io.github.mobilenetj.model;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.io.NamedTensor;
import io.github.mobilenetj.io.SafetensorsWriter;
import io.github.mobilenetj.nn.ComputePlan;
import io.github.mobilenetj.nn.Conv2d;
import io.github.mobilenetj.nn.GlobalAvgPool;
import io.github.mobilenetj.nn.Linear;
import io.github.mobilenetj.nn.ParameterStore;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The quantized safetensors file, version 1 (specified in {@code native/README.md}, which the C
 * baseline reads and writes too): s8 weights with per-output-channel F32 scales (or F32 weights
 * for a layer kept in float), F32 biases after BatchNorm folding, and one F32 scale per activation
 * tensor ({@code input.scale}, {@code model.i.j.scale} for the output of the ReLU at module j),
 * under the reference model's names; metadata {@code format=mobilenetj-quantized},
 * {@code quantization_version=1}, the architecture, how the weights and activations were
 * quantized, how the scales were calibrated, and the float file's preprocessing and labels.
 */
final class QuantizedFile {

    static final String FORMAT = "mobilenetj-quantized";
    static final String VERSION = "1";

    private QuantizedFile() {
    }

    /** Whether {@code metadata} describes a quantized file. */
    static boolean isQuantized(Map<String, String> metadata) {
        return FORMAT.equals(metadata.get("format"));
    }

    /** The tensor name of layer {@code m}'s weights, bias, weight scales, and its output's activation scale. */
    private static String prefix(Architecture.Module m) {
        return m.weightKey().substring(0, m.weightKey().length() - "weight".length());
    }

    /** {@code model.b.j.weight} -> {@code model.b.(j+2).scale}: the ReLU after module j. */
    private static String outputScaleName(Architecture.Module m) {
        String[] parts = m.weightKey().split("\\.");
        return parts[0] + "." + parts[1] + "." + (Integer.parseInt(parts[2]) + 2) + ".scale";
    }

    /** Writes a quantized model: its store's weights, the plan's scales, and {@code metadata}. */
    static void write(Path file, Architecture architecture, ParameterStore store, Quantization quantization,
            Map<String, String> passThrough) throws IOException {
        List<NamedTensor> tensors = new ArrayList<>();
        ComputePlan plan = quantization.plan();
        tensors.add(new NamedTensor("input.scale", new long[] {1}, new float[] {plan.scale(0)}));
        List<Architecture.Module> modules = architecture.modules();
        for (int l = 0; l < modules.size(); l++) {
            Architecture.Module m = modules.get(l);
            long[] shape = switch (m.layer()) {
                case Conv2d conv -> conv.weightShape();
                case Linear linear -> linear.weightShape();
                case GlobalAvgPool pool -> null;
            };
            if (shape == null) {
                continue;
            }
            String p = prefix(m);
            if (plan.layer(l) == io.github.mobilenetj.io.DType.I8) {
                MemorySegment codes = store.plainCodes(l);
                float[] values = new float[(int) codes.byteSize()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = codes.get(ValueLayout.JAVA_BYTE, i);
                }
                tensors.add(new NamedTensor(m.weightKey(), DType.I8, shape, values));
                float[] scales = store.copyWeightScales(l);
                tensors.add(new NamedTensor(p + "weight_scale", new long[] {scales.length}, scales));
            } else {
                long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
                float[] values = new float[Math.toIntExact(elements)];
                store.copyWeights(l, MemorySegment.ofArray(values));
                tensors.add(new NamedTensor(m.weightKey(), shape, values));
            }
            float[] bias = store.copyBias(l);
            tensors.add(new NamedTensor(p + "bias", new long[] {bias.length}, bias));
            if (m.layer() instanceof Conv2d) {
                tensors.add(new NamedTensor(outputScaleName(m), new long[] {1}, new float[] {plan.scale(l + 1)}));
            }
        }
        ModelConfig c = architecture.config();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("quantization_version", VERSION);
        metadata.put("architecture", "mobilenet_v1");
        metadata.put("width_multiplier", Double.toString(c.widthMultiplier()));
        metadata.put("resolution", Integer.toString(c.resolution()));
        metadata.put("in_channels", Integer.toString(c.inChannels()));
        metadata.put("num_classes", Integer.toString(c.classes()));
        metadata.put("activation", c.activation().metadataName());
        metadata.put("bn_eps", Double.toString(c.batchNormEpsilon()));
        metadata.put("bn_folded", "true");
        metadata.put("weight_quantization", "s8_symmetric_per_output_channel");
        metadata.put("weight_max", Integer.toString(quantization.weightMax()));
        metadata.put("activation_quantization", "u8_per_tensor_zero_point_0");
        metadata.put("input_quantization", "s8_per_tensor_zero_point_0");
        metadata.put("calibration_method", quantization.method());
        metadata.put("calibration_samples", Integer.toString(quantization.samples()));
        metadata.put("calibration", quantization.description());
        metadata.put("producer", "mobilenetj");
        for (String key : List.of("input_transform", "mean", "std", "labels", "interpolation", "crop_pct", "dataset",
                "source_weights")) {
            String v = passThrough.get(key);
            if (v != null) {
                metadata.put(key, v);
            }
        }
        SafetensorsWriter.write(file, metadata, tensors);
    }

    /**
     * Checks a quantized file against {@code architecture} (every tensor present with its shape and
     * type, nothing else, scales finite and > 0, codes within ±weight_max) and returns its
     * quantization; one {@link IllegalArgumentException} lists every problem.
     */
    static Quantization read(StateDict dict, Architecture architecture) {
        Map<String, String> meta = dict.metadata();
        List<String> problems = new ArrayList<>();
        if (!VERSION.equals(meta.get("quantization_version"))) {
            problems.add("quantization_version is " + meta.get("quantization_version") + ", this library reads "
                    + VERSION);
        }
        int weightMax = 127;
        try {
            weightMax = Integer.parseInt(meta.getOrDefault("weight_max", "127").trim());
        } catch (NumberFormatException e) {
            problems.add("weight_max '" + meta.get("weight_max") + "' is not an integer");
        }
        if (weightMax < 1 || weightMax > 127) {
            problems.add("weight_max " + weightMax + " is not in 1..127");
        }
        for (String key : List.of("weight_quantization", "activation_quantization", "input_quantization")) {
            String expected = switch (key) {
                case "weight_quantization" -> "s8_symmetric_per_output_channel";
                case "activation_quantization" -> "u8_per_tensor_zero_point_0";
                default -> "s8_per_tensor_zero_point_0";
            };
            if (meta.containsKey(key) && !expected.equals(meta.get(key))) {
                problems.add(key + " is '" + meta.get(key) + "', this library reads '" + expected + "'");
            }
        }
        List<Architecture.Module> modules = architecture.modules();
        Map<String, long[]> expected = new LinkedHashMap<>();
        List<io.github.mobilenetj.io.DType> types = new ArrayList<>();
        float[] scales = new float[modules.size() + 1];
        expected.put("input.scale", new long[] {1});
        scales[0] = scalar(dict, "input.scale", problems);
        float cap = architecture.config().activation().cap();
        for (int l = 0; l < modules.size(); l++) {
            Architecture.Module m = modules.get(l);
            if (m.layer() instanceof GlobalAvgPool) {
                types.add(types.isEmpty() ? DType.F32 : types.getLast());
                scales[l + 1] = scales[l];
                continue;
            }
            long[] shape = m.layer() instanceof Conv2d conv ? conv.weightShape() : ((Linear) m.layer()).weightShape();
            String p = prefix(m);
            expected.put(m.weightKey(), shape);
            DType stored = dict.contains(m.weightKey()) ? dict.dtype(m.weightKey()) : DType.F32;
            if (stored != DType.I8 && stored != DType.F32) {
                problems.add("'" + m.weightKey() + "' has dtype " + stored + ", expected I8 or F32");
            }
            types.add(stored == DType.I8 ? DType.I8 : DType.F32);
            if (stored == DType.I8) {
                expected.put(p + "weight_scale", new long[] {shape[0]});
                checkPositive(dict, p + "weight_scale", problems);
            }
            expected.put(p + "bias", new long[] {shape[0]});
            if (m.layer() instanceof Conv2d) {
                String name = outputScaleName(m);
                expected.put(name, new long[] {1});
                scales[l + 1] = scalar(dict, name, problems);
                if (scales[l + 1] * 255 > cap * 1.0001f) {
                    problems.add("'" + name + "' = " + scales[l + 1] + " covers more than the activation's range 0.." + cap);
                }
            } else {
                scales[l + 1] = Float.NaN;
            }
        }
        TreeSet<String> missing = new TreeSet<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!dict.contains(e.getKey())) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(dict.shape(e.getKey()), e.getValue())) {
                problems.add("'" + e.getKey() + "' has shape " + Arrays.toString(dict.shape(e.getKey())) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (String name : missing) {
            problems.add("'" + name + "' is missing");
        }
        TreeSet<String> unexpected = new TreeSet<>(dict.names());
        unexpected.removeAll(expected.keySet());
        for (String name : unexpected) {
            problems.add("'" + name + "' is not a tensor of a quantized MobileNetV1");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(dict.source() + " (quantized) does not fit MobileNetV1 α "
                    + architecture.config().widthMultiplier() + ", " + architecture.config().classes() + " classes: "
                    + problems.size() + " problem(s): " + ParameterLoader.list(problems));
        }
        return new Quantization(new ComputePlan(types, scales, DType.F32), weightMax,
                meta.getOrDefault("calibration_method", "unknown"),
                parseInt(meta.get("calibration_samples")), meta.getOrDefault("calibration", ""));
    }

    /** Rescales each row's codes from ±{@code from} to ±{@code to}: q' = round(q · s / s'), s' = max|q · s| / to. */
    static void requantize(MemorySegment codes, MemorySegment scales, int rows, int from, int to) {
        long perRow = codes.byteSize() / rows;
        for (int o = 0; o < rows; o++) {
            float scale = scales.getAtIndex(ValueLayout.JAVA_FLOAT, o);
            int maxCode = 0;
            for (long i = o * perRow, end = i + perRow; i < end; i++) {
                maxCode = Math.max(maxCode, Math.abs(codes.get(ValueLayout.JAVA_BYTE, i)));
            }
            float newScale = maxCode > 0 ? maxCode * scale / to : scale;
            for (long i = o * perRow, end = i + perRow; i < end; i++) {
                float value = codes.get(ValueLayout.JAVA_BYTE, i) * scale;
                codes.set(ValueLayout.JAVA_BYTE, i, (byte) Math.max(-to, Math.min(to, Math.rint(value / newScale))));
            }
            scales.setAtIndex(ValueLayout.JAVA_FLOAT, o, newScale);
        }
    }

    private static int parseInt(String v) {
        try {
            return v == null ? 0 : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static float scalar(StateDict dict, String name, List<String> problems) {
        if (!dict.contains(name) || dict.shape(name).length != 1 || dict.shape(name)[0] != 1
                || dict.dtype(name) != DType.F32) {
            return Float.NaN; // reported as missing or mis-shaped
        }
        float v = dict.read(name)[0];
        if (!(v > 0) || !Float.isFinite(v)) {
            problems.add("'" + name + "' = " + v + ", expected a finite scale > 0");
        }
        return v;
    }

    private static void checkPositive(StateDict dict, String name, List<String> problems) {
        if (!dict.contains(name) || dict.dtype(name) != DType.F32) {
            return; // reported elsewhere
        }
        float[] v = dict.read(name);
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] > 0) || !Float.isFinite(v[i])) {
                problems.add("'" + name + "'[" + i + "] = " + v[i] + ", expected a finite scale > 0");
                return;
            }
        }
    }

    /**
     * Fills {@code store} from a checked quantized file. Codes wider than {@code cpuWeightMax} (a
     * 127 file on an x86-64 CPU without VNNI, where u8 × s8 sums can saturate) are requantized to
     * that range, row by row, from the values they stand for.
     */
    static void load(StateDict dict, Architecture architecture, Quantization quantization, ParameterStore store,
            int cpuWeightMax) {
        List<Architecture.Module> modules = architecture.modules();
        for (int l = 0; l < modules.size(); l++) {
            Architecture.Module m = modules.get(l);
            if (m.layer() instanceof GlobalAvgPool) {
                continue;
            }
            long[] shape = m.layer() instanceof Conv2d conv ? conv.weightShape() : ((Linear) m.layer()).weightShape();
            String p = prefix(m);
            if (quantization.plan().layer(l) == DType.I8) {
                MemorySegment codes = store.allocateWeights(l, shape, DType.I8);
                dict.readBytes(m.weightKey(), codes);
                int max = quantization.weightMax();
                for (long i = 0; i < codes.byteSize(); i++) {
                    byte q = codes.get(ValueLayout.JAVA_BYTE, i);
                    if (q < -max || q > max) {
                        throw new IllegalArgumentException(dict.source() + ": '" + m.weightKey() + "'[" + i + "] = " + q
                                + " is outside the weight range ±" + max);
                    }
                }
                MemorySegment scales = store.allocateWeightScales(l, (int) shape[0]);
                dict.read(p + "weight_scale", scales);
                if (cpuWeightMax < max) {
                    requantize(codes, scales, (int) shape[0], max, cpuWeightMax);
                }
            } else {
                MemorySegment weights = store.allocateWeights(l, shape, DType.F32);
                dict.read(m.weightKey(), weights);
                ParameterLoader.requireFinite(dict, m.weightKey(), weights);
            }
            MemorySegment bias = store.allocateBias(l, (int) shape[0]);
            dict.read(p + "bias", bias);
            ParameterLoader.requireFinite(dict, p + "bias", bias);
        }
    }
}
