package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.DataType;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.dnnl.FormatTag;
import io.github.mobilenetj.dnnl.MemoryDesc;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A network compiled for one input shape: its primitives and its weights, already in the layouts
 * oneDNN chose. Immutable and thread-safe; run it through {@link Execution}s, one per thread.
 *
 * <p>{@link #close()} frees the primitives and weights. It refuses while executions are open, so
 * no running execution can ever touch freed memory.
 */
public final class CompiledNetwork implements AutoCloseable {

    private final Engine engine;
    private final Arena weightsArena;
    private final List<Step> steps;
    private final List<AutoCloseable> owned;
    private final MemoryDesc inputDesc;
    private final MemoryDesc outputDesc;
    private final Shape inputShape;
    private final Shape outputShape;
    private final Layout inputLayout;
    private final Layout outputLayout;
    private final DataType dataType;
    private final int threads;
    private final long activationBytes;
    private final long scratchpadBytes;
    private int openExecutions;
    private boolean closed;

    private CompiledNetwork(Engine engine, Arena weightsArena, List<Step> steps, List<AutoCloseable> owned,
            MemoryDesc inputDesc, MemoryDesc outputDesc, Shape inputShape, Shape outputShape, Layout inputLayout,
            Layout outputLayout, DataType dataType, int threads) {
        this.engine = engine;
        this.threads = threads;
        this.weightsArena = weightsArena;
        this.steps = List.copyOf(steps);
        this.owned = List.copyOf(owned);
        this.inputDesc = inputDesc;
        this.outputDesc = outputDesc;
        this.inputShape = inputShape;
        this.outputShape = outputShape;
        this.inputLayout = inputLayout;
        this.outputLayout = outputLayout;
        this.dataType = dataType;
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

    static CompiledNetwork compile(Sequential network, Engine engine, Shape input, Layout inputLayout,
            Layout outputLayout, DataType dataType, int threads) {
        Arena weightsArena = Arena.ofShared();
        NetworkCompiler compiler = new NetworkCompiler(engine, dataType, weightsArena);
        CompiledNetwork compiled;
        try (compiler) {
            MemoryDesc userInput = compiler.own(MemoryDesc.of(input.dims(), DataType.F32, inputLayout.formatTag()));
            MemoryDesc current = userInput;
            Shape shape = input;
            List<Layer> layers = network.layers();
            for (int i = 0; i < layers.size(); i++) {
                current = compiler.add(i, layers.get(i), shape, current);
                shape = layers.get(i).outputShape(shape);
            }
            MemoryDesc userOutput = compiler.own(current.dims().length == 2
                    ? MemoryDesc.of(current.dims(), DataType.F32, FormatTag.NC)
                    : MemoryDesc.of(shape.dims(), DataType.F32, outputLayout.formatTag()));
            compiler.reorderIfNeeded("to output", current, userOutput);
            if (compiler.steps().isEmpty()) {
                // Nothing to compute (cannot happen with a non-empty Sequential, but keep executions simple).
                throw new IllegalStateException("network compiled to no primitives");
            }
            compiled = new CompiledNetwork(engine, weightsArena, compiler.steps(), compiler.owned(), userInput, userOutput,
                    input, shape, inputLayout, outputLayout, dataType, threads);
        } catch (RuntimeException | Error e) {
            closeAll(compiler.owned(), e);
            weightsArena.close();
            throw e;
        }
        // Once per process: say so when convolutions got oneDNN's reference kernels (NEON-only arm64).
        ReferenceKernelWarning.check(compiled.primitives());
        return compiled;
    }

    /** A new execution context with its own stream, activation buffers and scratchpad. */
    public synchronized Execution newExecution() {
        if (closed) {
            throw new IllegalStateException("network is closed");
        }
        Execution execution = new Execution(this);
        openExecutions++;
        return execution;
    }

    synchronized void executionClosed() {
        openExecutions--;
    }

    List<Step> steps() {
        return steps;
    }

    Engine engine() {
        return engine;
    }

    long activationBytes() {
        return activationBytes;
    }

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

    public Layout inputLayout() {
        return inputLayout;
    }

    public Layout outputLayout() {
        return outputLayout;
    }

    /** The OpenMP threads the primitives were created for, and run with. */
    public int threads() {
        return threads;
    }

    /** The element type the primitives compute in; inputs and outputs are always float32. */
    public DataType dataType() {
        return dataType;
    }

    /** Bytes of input one execution reads: {@code inputShape().elementCount() * 4}. */
    public long inputBytes() {
        return inputDesc.byteSize();
    }

    /** Bytes of output one execution writes. */
    public long outputBytes() {
        return outputDesc.byteSize();
    }

    /** Bytes held for weights in the layouts oneDNN chose. */
    public long weightBytes() {
        long total = 0;
        for (Step s : steps) {
            total += (s.weights() == null ? 0 : s.weights().desc().byteSize()) + (s.bias() == null ? 0 : s.bias().desc().byteSize());
        }
        return total;
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

    /**
     * Frees primitives and weights. A second call does nothing.
     *
     * @throws IllegalStateException while executions created from this network are still open
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (openExecutions > 0) {
            throw new IllegalStateException(openExecutions + " execution(s) of this network are still open; close them first");
        }
        closed = true;
        closeAll(owned, null);
        weightsArena.close();
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    private static void closeAll(List<AutoCloseable> resources, Throwable primary) {
        RuntimeException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
