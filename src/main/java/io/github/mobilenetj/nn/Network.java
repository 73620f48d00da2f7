package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.dnnl.FormatTag;
import io.github.mobilenetj.dnnl.MemoryDesc;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A network compiled for one input shape and thread count: its primitives, with weights shared
 * from a {@link ParameterStore}. Immutable and thread-safe; run it through {@link Execution}s, one
 * per concurrent caller.
 *
 * <p>Its owner closes it after every execution created from it and before the store and the
 * engine (the model does this in that order).
 */
public final class Network implements AutoCloseable {

    private final Engine engine;
    private final List<Step> steps;
    private final List<AutoCloseable> owned;
    private final MemoryDesc inputDesc;
    private final MemoryDesc outputDesc;
    private final Shape inputShape;
    private final Shape outputShape;
    private final ComputePlan plan;
    private final int threads;
    private final long activationBytes;
    private final long scratchpadBytes;
    private boolean closed;

    private Network(Engine engine, List<Step> steps, List<AutoCloseable> owned, MemoryDesc inputDesc,
            MemoryDesc outputDesc, Shape inputShape, Shape outputShape, ComputePlan plan, int threads) {
        this.engine = engine;
        this.threads = threads;
        this.steps = List.copyOf(steps);
        this.owned = List.copyOf(owned);
        this.inputDesc = inputDesc;
        this.outputDesc = outputDesc;
        this.inputShape = inputShape;
        this.outputShape = outputShape;
        this.plan = plan;
        long activations = 0;
        long scratch = 0;
        for (int i = 0; i < this.steps.size(); i++) {
            Step step = this.steps.get(i);
            if (i < this.steps.size() - 1) {
                activations = Math.max(activations, step.dst().byteSize());
            }
            if (step.scratchpad() != null) {
                scratch = Math.max(scratch, step.scratchpad().byteSize());
            }
        }
        this.activationBytes = activations;
        this.scratchpadBytes = scratch;
    }

    /**
     * Creates the oneDNN primitives of {@code layers} for inputs of exactly {@code input}'s shape,
     * computing in {@code computeType} (F32 or BF16), reading float32 input in {@code inputLayout}
     * and writing float32 output (logits {@code [N, classes]} when the last layer is {@link Linear},
     * else in {@code outputLayout}), to run on {@code threads} OpenMP threads. Layer {@code i}'s
     * parameters are {@code store}'s layer {@code i}. Shapes are validated before any native call.
     *
     * <p>oneDNN fixes a primitive's thread count when it creates it: running it later with another
     * OpenMP setting does not change how many threads it uses. So the thread count is part of the
     * compiled network, and each {@link Execution} runs with it.
     *
     * <p>If oneDNN gives any convolution a reference kernel (NEON-only arm64 CPUs with the bundled
     * oneDNN), a warning is logged, once per process: see {@link ReferenceKernelWarning}.
     */
    public static Network compile(Engine engine, List<? extends Layer> layers, ParameterStore store, Shape input,
            PixelLayout inputLayout, PixelLayout outputLayout, DType computeType, int threads) {
        Objects.requireNonNull(computeType, "computeType");
        if (computeType != DType.F32 && computeType != DType.BF16) {
            throw new IllegalArgumentException("networks compute in F32 or BF16, not " + computeType
                    + " (8-bit networks need a ComputePlan with scales)");
        }
        return compile(engine, layers, store, input, inputLayout, outputLayout, ComputePlan.uniform(computeType,
                layers.size()), threads);
    }

    /**
     * As {@link #compile(Engine, List, ParameterStore, Shape, PixelLayout, PixelLayout, DType, int)},
     * each layer computing as {@code plan} says: 8-bit layers need s8 weights and weight scales in
     * the store.
     */
    public static Network compile(Engine engine, List<? extends Layer> layers, ParameterStore store, Shape input,
            PixelLayout inputLayout, PixelLayout outputLayout, ComputePlan plan, int threads) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(inputLayout, "inputLayout");
        Objects.requireNonNull(outputLayout, "outputLayout");
        Objects.requireNonNull(plan, "plan");
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a network needs at least one layer");
        }
        if (plan.layers().size() != layers.size()) {
            throw new IllegalArgumentException("the plan covers " + plan.layers().size() + " layers, the network has "
                    + layers.size());
        }
        outputShape(layers, input);
        int previous = Dnnl.threads();
        Dnnl.setThreads(threads);
        try {
            return build(engine, layers, store, input, inputLayout, outputLayout, plan, threads);
        } finally {
            Dnnl.setThreads(previous);
        }
    }

    /** The shape after the last layer; validates every layer's input on the way. */
    public static Shape outputShape(List<? extends Layer> layers, Shape input) {
        Shape shape = Objects.requireNonNull(input, "input shape");
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = Objects.requireNonNull(layers.get(i), "layer " + i);
            try {
                shape = layer.outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer " + i + " (" + layer.kind() + "): " + e.getMessage(), e);
            }
        }
        return shape;
    }

    private static Network build(Engine engine, List<? extends Layer> layers, ParameterStore store, Shape input,
            PixelLayout inputLayout, PixelLayout outputLayout, ComputePlan plan, int threads) {
        Arena constants = Arena.ofShared();
        NetworkCompiler compiler = new NetworkCompiler(engine, plan, store, constants);
        Network compiled;
        try {
            MemoryDesc userInput = compiler.own(MemoryDesc.of(input.dims(), DType.F32, tag(inputLayout)));
            NetworkCompiler.Activation current = new NetworkCompiler.Activation(userInput, Float.NaN);
            Shape shape = input;
            for (int i = 0; i < layers.size(); i++) {
                current = compiler.add(i, layers, shape, current);
                shape = layers.get(i).outputShape(shape);
            }
            long[] dims = current.desc().dims();
            MemoryDesc userOutput = compiler.own(dims.length == 2
                    ? MemoryDesc.of(dims, DType.F32, FormatTag.NC)
                    : MemoryDesc.of(shape.dims(), DType.F32, tag(outputLayout)));
            compiler.reorderIfNeeded("to output", current, userOutput, Float.NaN);
            compiler.own(constants::close);
            compiled = new Network(engine, compiler.steps(), compiler.owned(), userInput, userOutput, input, shape, plan,
                    threads);
        } catch (RuntimeException | Error e) {
            Closer.closeAll(compiler.owned(), e);
            if (constants.scope().isAlive()) {
                constants.close();
            }
            throw e;
        }
        // Once per process: say so when convolutions got oneDNN's reference kernels (NEON-only arm64).
        ReferenceKernelWarning.check(compiled.primitives());
        return compiled;
    }

    static FormatTag tag(PixelLayout layout) {
        return layout == PixelLayout.HWC ? FormatTag.NHWC : FormatTag.NCHW;
    }

    List<Step> steps() {
        return steps;
    }

    Engine engine() {
        return engine;
    }

    /** Bytes of the larger of the two intermediate activation buffers an execution needs. */
    long activationBytes() {
        return activationBytes;
    }

    /** Bytes of scratchpad the hungriest primitive needs. */
    long scratchpadBytes() {
        return scratchpadBytes;
    }

    MemoryDesc inputDesc() {
        return inputDesc;
    }

    MemoryDesc outputDesc() {
        return outputDesc;
    }

    public Shape inputShape() {
        return inputShape;
    }

    public Shape outputShape() {
        return outputShape;
    }

    /** The OpenMP threads the primitives were created for, and run with. */
    public int threads() {
        return threads;
    }

    /** How each layer computes; inputs and outputs are always float32. */
    public ComputePlan plan() {
        return plan;
    }

    /** Bytes of input one execution reads. */
    public long inputBytes() {
        return inputDesc.byteSize();
    }

    /** Bytes of output one execution writes. */
    public long outputBytes() {
        return outputDesc.byteSize();
    }

    /**
     * Native bytes one execution of this network needs besides its input and output: two
     * activation buffers, the scratchpad, and staging copies of the input and output.
     */
    public long workspaceBytes() {
        return 2 * activationBytes + scratchpadBytes + inputBytes() + outputBytes();
    }

    /** What runs, in order: one entry per primitive, reorders included. */
    public List<PrimitiveInfo> primitives() {
        List<PrimitiveInfo> list = new ArrayList<>();
        for (Step s : steps) {
            list.add(new PrimitiveInfo(s.label(), s.primitive().operation(), s.primitive().implementation(), s.reorder()));
        }
        return Collections.unmodifiableList(list);
    }

    /** A primitive of the compiled network and the implementation oneDNN picked for it. */
    public record PrimitiveInfo(String label, String operation, String implementation, boolean reorder) {
    }

    /** Frees the primitives and descriptors (weights belong to the store); a second call does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Closer.closeAll(owned);
    }

    public synchronized boolean isClosed() {
        return closed;
    }
}
