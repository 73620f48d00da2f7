package io.github.mobilenetj.model;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.io.NamedTensor;
import io.github.mobilenetj.io.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * MobileNetV1's tensors in memory, under the reference state_dict names ({@code model.{i}.{j}.*},
 * {@code fc.*}), BatchNorm statistics included, as float32: the seeded random weights of demos,
 * benchmarks and tests. Immutable.
 */
final class Weights implements StateDict {

    private final ModelConfig config;
    private final String source;
    private final Map<String, long[]> shapes;
    private final Map<String, float[]> values;

    private Weights(ModelConfig config, String source, Map<String, long[]> shapes, Map<String, float[]> values) {
        this.config = config;
        this.source = source;
        this.shapes = Collections.unmodifiableMap(shapes);
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Deterministic random weights: He-initialised convolutions, BatchNorm γ in [0.5, 1.5), β and
     * running mean in [-0.1, 0.1), running variance in [0.5, 1.5), and a fully connected layer
     * uniform in ±1/sqrt(in). Activations keep a sensible scale through all 14 layers.
     */
    static Weights random(ModelConfig config, long seed) {
        Objects.requireNonNull(config, "config");
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, long[]> shapes = Architecture.of(config).tensorShapes();
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String key = e.getKey();
            long[] shape = e.getValue();
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            float[] v = new float[Math.toIntExact(count)];
            if (key.endsWith(".running_var")) {
                fill(v, random, 0.5, 1.5);
            } else if (key.endsWith(".running_mean") || (key.endsWith(".bias") && !key.startsWith("fc."))) {
                fill(v, random, -0.1, 0.1);
            } else if (key.startsWith("fc.")) {
                double bound = 1 / Math.sqrt(config.channels(Architecture.FEATURES));
                fill(v, random, -bound, bound);
            } else if (shape.length == 4) {
                double std = Math.sqrt(2.0 / (shape[1] * shape[2] * shape[3]));
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (gaussian(random) * std);
                }
            } else {
                fill(v, random, 0.5, 1.5); // BatchNorm gamma
            }
            values.put(key, v);
        }
        return new Weights(config, "random weights (seed " + seed + ")", shapes, values);
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

    /** Writes these weights under the reference names, stored as {@code dtype} (F32, F16 or BF16). */
    void save(Path file, DType dtype, Map<String, String> metadata) throws IOException {
        List<NamedTensor> list = new ArrayList<>();
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            list.add(new NamedTensor(e.getKey(), dtype, shapes.get(e.getKey()), e.getValue()));
        }
        SafetensorsWriter.write(file, metadata == null ? Map.of() : metadata, list);
    }

    ModelConfig config() {
        return config;
    }

    /** A copy of tensor {@code name}'s values. */
    float[] values(String name) {
        return get(name).clone();
    }

    private float[] get(String name) {
        float[] v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'");
        }
        return v;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public List<String> names() {
        return List.copyOf(values.keySet());
    }

    @Override
    public boolean contains(String name) {
        return values.containsKey(name);
    }

    @Override
    public long[] shape(String name) {
        get(name);
        return shapes.get(name).clone();
    }

    @Override
    public DType dtype(String name) {
        get(name);
        return DType.F32;
    }

    @Override
    public void read(String name, MemorySegment dst) {
        float[] v = get(name);
        MemorySegment.copy(v, 0, dst, ValueLayout.JAVA_FLOAT, 0, v.length);
    }

    @Override
    public float[] read(String name) {
        return values(name);
    }

    @Override
    public void readBytes(String name, MemorySegment dst) {
        throw new UnsupportedOperationException("random weights are float32: read " + name + " as floats");
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public String toString() {
        return source;
    }
}
