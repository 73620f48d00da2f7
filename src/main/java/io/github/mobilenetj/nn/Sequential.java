package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.DataType;
import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.Engine;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Layers applied one after another. Immutable. */
public final class Sequential {

    private final List<Layer> layers;

    public Sequential(List<? extends Layer> layers) {
        Objects.requireNonNull(layers, "layers");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
        }
        for (int i = 0; i < layers.size(); i++) {
            Objects.requireNonNull(layers.get(i), "layer " + i);
        }
        this.layers = List.copyOf(layers);
    }

    public static Sequential of(Layer... layers) {
        return new Sequential(Arrays.asList(layers));
    }

    public List<Layer> layers() {
        return layers;
    }

    /** The shape after the last layer; validates every layer's input on the way. */
    public Shape outputShape(Shape input) {
        Shape shape = Objects.requireNonNull(input, "input shape");
        for (int i = 0; i < layers.size(); i++) {
            try {
                shape = layers.get(i).outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer " + i + " (" + layers.get(i).kind() + "): " + e.getMessage(), e);
            }
        }
        return shape;
    }

    /**
     * Creates the oneDNN primitives for inputs of exactly {@code input}'s shape, computing in
     * {@code dataType}, with float32 input in {@code inputLayout} and float32 output in
     * {@code outputLayout}, to run on {@code threads} OpenMP threads. Shapes are validated before
     * any native call.
     *
     * <p>oneDNN fixes a primitive's thread count when it creates it: running it later with another
     * OpenMP setting does not change how many threads it uses. So the thread count is part of the
     * compiled network, and each {@link Execution} runs with it.
     *
     * <p>If oneDNN gives any convolution a reference kernel (NEON-only arm64 CPUs with the bundled
     * oneDNN), a warning is logged, once per process: see {@link ReferenceKernelWarning}.
     */
    public CompiledNetwork compile(Engine engine, Shape input, Layout inputLayout, Layout outputLayout, DataType dataType,
            int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(inputLayout, "inputLayout");
        Objects.requireNonNull(outputLayout, "outputLayout");
        Objects.requireNonNull(dataType, "dataType");
        if (dataType != DataType.F32 && dataType != DataType.BF16) {
            throw new IllegalArgumentException("networks compute in F32 or BF16, not " + dataType);
        }
        outputShape(input);
        int previous = Dnnl.threads();
        Dnnl.setThreads(threads);
        try {
            return CompiledNetwork.compile(this, engine, input, inputLayout, outputLayout, dataType, threads);
        } finally {
            Dnnl.setThreads(previous);
        }
    }

    /** Compiles for {@code dataType} on as many threads as the calling thread's OpenMP setting ({@link Dnnl#threads()}). */
    public CompiledNetwork compile(Engine engine, Shape input, Layout inputLayout, Layout outputLayout, DataType dataType) {
        return compile(engine, input, inputLayout, outputLayout, dataType, Dnnl.threads());
    }

    /** Compiles for float32 computation on as many threads as the calling thread's OpenMP setting. */
    public CompiledNetwork compile(Engine engine, Shape input, Layout inputLayout, Layout outputLayout) {
        return compile(engine, input, inputLayout, outputLayout, DataType.F32);
    }
}
