package io.github.mobilenetj.model;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.io.NamedTensor;
import io.github.mobilenetj.io.SafetensorsFile;
import io.github.mobilenetj.io.SafetensorsWriter;
import io.github.mobilenetj.io.TensorInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * MobileNetV1's tensors under the reference state_dict names ({@code model.{i}.{j}.*}, {@code fc.*}),
 * BatchNorm statistics included, as float32. Immutable.
 */
public final class Weights {

    /** One tensor: its shape and values, row-major. */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    private final ModelConfig config;
    private final Map<String, Tensor> tensors;

    private Weights(ModelConfig config, Map<String, Tensor> tensors) {
        this.config = config;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** The tensors {@code config} needs, in state_dict order, with their shapes. */
    public static Map<String, long[]> expectedShapes(ModelConfig config) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Architecture.Block block : Architecture.blocks()) {
            int in = Architecture.inChannels(block, config);
            int out = config.channels(block.outBase());
            String p = "model." + block.index() + ".";
            if (block.depthwiseSeparable()) {
                shapes.put(p + "0.weight", new long[] {in, 1, 3, 3});
                batchNorm(shapes, p + "1.", in);
                shapes.put(p + "3.weight", new long[] {out, in, 1, 1});
                batchNorm(shapes, p + "4.", out);
            } else {
                shapes.put(p + "0.weight", new long[] {out, in, 3, 3});
                batchNorm(shapes, p + "1.", out);
            }
        }
        int features = config.channels(Architecture.FEATURES);
        shapes.put("fc.weight", new long[] {config.classes(), features});
        shapes.put("fc.bias", new long[] {config.classes()});
        return shapes;
    }

    private static void batchNorm(Map<String, long[]> shapes, String prefix, int channels) {
        for (String field : List.of("weight", "bias", "running_mean", "running_var")) {
            shapes.put(prefix + field, new long[] {channels});
        }
    }

    /**
     * Deterministic random weights for demos and tests: He-initialised convolutions, BatchNorm
     * γ in [0.5, 1.5), β and running mean in [-0.1, 0.1), running variance in [0.5, 1.5), and a
     * fully connected layer uniform in ±1/sqrt(in). Activations keep a sensible scale through all
     * 14 layers.
     */
    public static Weights random(ModelConfig config, long seed) {
        Objects.requireNonNull(config, "config");
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expectedShapes(config).entrySet()) {
            String key = e.getKey();
            long[] shape = e.getValue();
            float[] v = new float[(int) Arrays.stream(shape).reduce(1, Math::multiplyExact)];
            if (key.endsWith(".running_var")) {
                fill(v, random, 0.5, 1.5);
            } else if (key.endsWith(".running_mean") || (key.endsWith(".bias") && !key.startsWith("fc."))) {
                fill(v, random, -0.1, 0.1);
            } else if (key.startsWith("fc.")) {
                double bound = 1 / Math.sqrt(shape.length > 1 ? shape[1] : config.channels(Architecture.FEATURES));
                fill(v, random, -bound, bound);
            } else if (shape.length == 4) {
                double std = Math.sqrt(2.0 / (shape[1] * shape[2] * shape[3]));
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (gaussian(random) * std);
                }
            } else {
                fill(v, random, 0.5, 1.5); // BatchNorm gamma
            }
            tensors.put(key, new Tensor(shape, v));
        }
        return new Weights(config, tensors);
    }

    private static void fill(float[] v, SplittableRandom random, double low, double high) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (low + random.nextDouble() * (high - low));
        }
    }

    private static double gaussian(SplittableRandom random) {
        // Box-Muller: the same values on every JDK, unlike Random.nextGaussian's algorithm choice.
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    /**
     * Reads weights for {@code config} from a safetensors file in the reference or timm layout
     * (detected from the names), in F32, F16 or BF16.
     *
     * @throws IOException for an unreadable or malformed file
     * @throws IllegalArgumentException listing every missing and unexpected tensor, or naming a
     *         tensor whose shape does not match the configured model
     */
    public static Weights load(Path file, ModelConfig config) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(config, "config");
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            return from(st, config);
        }
    }

    /** Reads weights for {@code config} from an open safetensors file. */
    public static Weights from(SafetensorsFile st, ModelConfig config) {
        KeyLayout layout = KeyLayout.detect(new java.util.HashSet<>(st.names()));
        Map<String, long[]> expected = expectedShapes(config);
        Map<String, String> fileNames = new LinkedHashMap<>();
        for (String key : expected.keySet()) {
            fileNames.put(key, layout.name(key));
        }
        TreeSet<String> missing = new TreeSet<>();
        for (Map.Entry<String, String> e : fileNames.entrySet()) {
            if (!st.contains(e.getValue())) {
                missing.add(e.getValue());
            }
        }
        TreeSet<String> unexpected = new TreeSet<>(st.names());
        unexpected.removeAll(fileNames.values());
        unexpected.removeIf(KeyLayout::isIgnored);
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException(st + " (" + layout + " layout) does not match MobileNetV1 α "
                    + config.widthMultiplier() + ", " + config.classes() + " classes, " + config.inChannels()
                    + " input channels: " + (missing.isEmpty() ? "" : missing.size() + " missing " + missing)
                    + (missing.isEmpty() || unexpected.isEmpty() ? "" : "; ")
                    + (unexpected.isEmpty() ? "" : unexpected.size() + " unexpected " + unexpected));
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String name = fileNames.get(e.getKey());
            TensorInfo info = st.info(name);
            if (!Arrays.equals(info.shape(), e.getValue())) {
                throw new IllegalArgumentException(st + ": tensor '" + name + "' has shape " + Arrays.toString(info.shape())
                        + ", the configured model needs " + Arrays.toString(e.getValue()));
            }
            if (!info.dtype().isConvertibleToFloat()) {
                throw new IllegalArgumentException(st + ": tensor '" + name + "' has dtype " + info.dtype()
                        + "; weights must be F32, F16 or BF16");
            }
            tensors.put(e.getKey(), new Tensor(e.getValue(), st.readFloats(name)));
        }
        return new Weights(config, tensors);
    }

    /** Writes these weights under the reference names, stored as {@code dtype} (F32, F16 or BF16). */
    public void save(Path file, DType dtype, Map<String, String> metadata) throws IOException {
        List<NamedTensor> list = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            list.add(new NamedTensor(e.getKey(), dtype, e.getValue().shape(), e.getValue().values()));
        }
        SafetensorsWriter.write(file, metadata == null ? Map.of() : metadata, list);
    }

    /** Throws unless every tensor has the shape {@code target} needs. */
    void requireShapesOf(ModelConfig target) {
        Map<String, long[]> expected = expectedShapes(target);
        if (!expected.keySet().equals(tensors.keySet())) {
            throw new IllegalArgumentException("weights made for " + config + " have other tensors than " + target + " needs");
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            if (!Arrays.equals(tensors.get(e.getKey()).shape, e.getValue())) {
                throw new IllegalArgumentException("weights tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(tensors.get(e.getKey()).shape) + ", the configured model needs "
                        + Arrays.toString(e.getValue()));
            }
        }
    }

    public ModelConfig config() {
        return config;
    }

    /** Tensor names in state_dict order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    /** The values of tensor {@code name}; the array is shared, do not modify it. */
    float[] values(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'");
        }
        return t.values();
    }

    /** A copy of tensor {@code name}. */
    public Tensor tensor(String name) {
        float[] v = values(name);
        return new Tensor(tensors.get(name).shape(), v.clone());
    }
}
