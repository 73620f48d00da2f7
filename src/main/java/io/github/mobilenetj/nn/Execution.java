package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.Arg;
import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.ExecArgs;
import io.github.mobilenetj.dnnl.Memory;
import io.github.mobilenetj.dnnl.Primitive;
import io.github.mobilenetj.dnnl.Stream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs a {@link Network} in a {@link Workspace}: owns a stream and the memory objects and argument
 * lists of every primitive, created once. Not thread-safe: its owner runs it from one thread at a
 * time and closes it before the network.
 *
 * <p><b>Zero copy, safely.</b> oneDNN reads the caller's input and writes the caller's output in
 * place only when no other thread can free them during the run: segments of a confined arena
 * owned by the calling thread (the natural case: {@code Arena.ofConfined()} in the thread that runs
 * inference) and segments of the global arena. Segments another thread could free mid-run (shared
 * and automatic arenas, buffers, heap arrays) are copied through the workspace instead, so a
 * concurrent {@code arena.close()} either fails or happens before or after the copy, never while
 * oneDNN writes. Either way a run allocates nothing on the Java heap.
 */
public final class Execution implements AutoCloseable {

    /** A thread that never runs: a segment it cannot access is confined to some other thread. */
    private static final Thread NOBODY = Thread.ofPlatform().unstarted(() -> { });
    /** The scope of segments that are never freed (the global arena, wrapped addresses). */
    private static final MemorySegment.Scope GLOBAL = MemorySegment.NULL.scope();

    private final Network network;
    private final Workspace workspace;
    private final int threads;
    private final Arena arena = Arena.ofShared();
    private final Stream stream;
    private final Memory input;
    private final Memory output;
    private final Primitive[] primitives;
    private final ExecArgs[] arguments;
    /** Memory objects whose buffers live in the workspace, and which buffer: 0/1 activations, 2 scratchpad. */
    private final List<Memory> bound = new ArrayList<>();
    private final List<Integer> boundTo = new ArrayList<>();
    private final List<Memory> memories = new ArrayList<>();
    private int generation = -1;
    private boolean closed;

    public Execution(Network network, Workspace workspace) {
        this.network = Objects.requireNonNull(network, "network");
        this.workspace = Objects.requireNonNull(workspace, "workspace");
        this.threads = network.threads();
        workspace.ensure(network);
        Stream createdStream = null;
        try {
            createdStream = new Stream(network.engine());
            this.stream = createdStream;
            this.input = track(new Memory(network.engine(), network.inputDesc(), workspace.inputStaging()));
            this.output = track(new Memory(network.engine(), network.outputDesc(), workspace.outputStaging()));
            List<Step> steps = network.steps();
            this.primitives = new Primitive[steps.size()];
            this.arguments = new ExecArgs[steps.size()];
            Memory src = input;
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                boolean last = i == steps.size() - 1;
                Memory dst = last ? output : bind(new Memory(network.engine(), step.dst(), workspace.activation(i)), i % 2);
                ExecArgs args = new ExecArgs(arena, step.argumentCount());
                args.put(step.reorder() ? Arg.FROM : Arg.SRC, src).put(step.reorder() ? Arg.TO : Arg.DST, dst);
                if (step.weights() != null) {
                    args.put(Arg.WEIGHTS, step.weights());
                }
                if (step.bias() != null) {
                    args.put(Arg.BIAS, step.bias());
                }
                if (step.scratchpad() != null) {
                    args.put(Arg.SCRATCHPAD, bind(new Memory(network.engine(), step.scratchpad(), workspace.scratchpad()), 2));
                }
                if (step.srcScales() != null) {
                    args.put(Arg.SCALES_SRC, step.srcScales());
                }
                if (step.weightScales() != null) {
                    args.put(Arg.SCALES_WEIGHTS, step.weightScales());
                }
                if (step.dstScales() != null) {
                    args.put(Arg.SCALES_DST, step.dstScales());
                }
                primitives[i] = step.primitive();
                arguments[i] = args;
                src = dst;
            }
            generation = workspace.generation();
        } catch (RuntimeException | Error e) {
            Closer.closeAll(memories, e);
            if (createdStream != null) {
                createdStream.close();
            }
            arena.close();
            throw e;
        }
    }

    private Memory track(Memory memory) {
        memories.add(memory);
        return memory;
    }

    private Memory bind(Memory memory, int buffer) {
        track(memory);
        bound.add(memory);
        boundTo.add(buffer);
        return memory;
    }

    /**
     * Runs the network from {@code input} into {@code output}, float32 segments of exactly the
     * compiled shapes and layouts, in place where that is safe (see the class description),
     * through the workspace otherwise. Allocation-free.
     */
    public void run(MemorySegment input, MemorySegment output) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        checkSize("input", input.byteSize(), network.inputBytes());
        checkSize("output", output.byteSize(), network.outputBytes());
        if (output.isReadOnly()) {
            throw new IllegalArgumentException("output segment is read-only");
        }
        prepare();
        boolean inPlaceIn = inPlace(input);
        boolean inPlaceOut = inPlace(output);
        if (inPlaceIn) {
            this.input.attach(input);
        } else {
            MemorySegment.copy(input, 0, workspace.inputStaging(), 0, network.inputBytes());
            this.input.attach(workspace.inputStaging());
        }
        this.output.attach(inPlaceOut ? output : workspace.outputStaging());
        execute();
        if (!inPlaceOut) {
            MemorySegment.copy(workspace.outputStaging(), 0, output, 0, network.outputBytes());
        }
    }

    /** Copies {@code input} in, runs, and copies the result into {@code output}. Allocation-free. */
    public void run(float[] input, float[] output) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        checkSize("input", (long) input.length * Float.BYTES, network.inputBytes());
        checkSize("output", (long) output.length * Float.BYTES, network.outputBytes());
        prepare();
        MemorySegment.copy(input, 0, workspace.inputStaging(), ValueLayout.JAVA_FLOAT, 0, input.length);
        this.input.attach(workspace.inputStaging());
        this.output.attach(workspace.outputStaging());
        execute();
        MemorySegment.copy(workspace.outputStaging(), ValueLayout.JAVA_FLOAT, 0, output, 0, output.length);
    }

    /** Receives each layer's output during {@link #runObserving}. */
    @FunctionalInterface
    public interface LayerObserver {
        /**
         * Layer {@code layer}'s output, in the layout oneDNN chose (blocked layouts are padded with
         * zeros): valid only during the call.
         *
         * @param type its element type (F32 for a float32 network)
         */
        void output(int layer, MemorySegment data, io.github.mobilenetj.io.DType type);
    }

    /**
     * Runs like {@link #run(MemorySegment, MemorySegment)}, one primitive at a time, showing
     * {@code observer} every layer's output (the last layer's is {@code output} itself, in the user
     * layout). For calibration: slower than a plain run, which it otherwise equals.
     */
    public void runObserving(MemorySegment input, MemorySegment output, LayerObserver observer) {
        Objects.requireNonNull(observer, "observer");
        checkSize("input", input.byteSize(), network.inputBytes());
        checkSize("output", output.byteSize(), network.outputBytes());
        prepare();
        MemorySegment.copy(input, 0, workspace.inputStaging(), 0, network.inputBytes());
        this.input.attach(workspace.inputStaging());
        this.output.attach(workspace.outputStaging());
        List<Step> steps = network.steps();
        int callerThreads = Dnnl.threads();
        if (callerThreads != threads) {
            Dnnl.setThreads(threads);
        }
        try {
            for (int i = 0; i < primitives.length; i++) {
                primitives[i].execute(stream, arguments[i]);
                stream.await();
                Step step = steps.get(i);
                boolean last = i == primitives.length - 1;
                if (step.layer() >= 0 && !last) {
                    observer.output(step.layer(), workspace.activation(i).asSlice(0, step.dst().byteSize()),
                            step.dst().dataType());
                }
            }
        } finally {
            if (callerThreads != threads) {
                Dnnl.setThreads(callerThreads);
            }
        }
        MemorySegment.copy(workspace.outputStaging(), 0, output, 0, network.outputBytes());
        Step lastStep = steps.getLast();
        if (lastStep.layer() >= 0) {
            observer.output(lastStep.layer(), output, io.github.mobilenetj.io.DType.F32);
        }
    }

    /**
     * Whether oneDNN may use {@code segment} directly: a native segment that no thread other than
     * this one can free while the run lasts.
     */
    static boolean inPlace(MemorySegment segment) {
        if (!segment.isNative() || !segment.isAccessibleBy(Thread.currentThread())) {
            return false;
        }
        MemorySegment.Scope scope = segment.scope();
        return scope.equals(GLOBAL) || !segment.isAccessibleBy(NOBODY);
    }

    private void prepare() {
        if (closed) {
            throw new IllegalStateException("execution is closed");
        }
        int current = workspace.generation();
        if (current != generation) {
            workspace.ensure(network);
            for (int i = 0; i < bound.size(); i++) {
                int buffer = boundTo.get(i);
                bound.get(i).attach(buffer == 2 ? workspace.scratchpad() : workspace.activation(buffer));
            }
            generation = workspace.generation();
        }
    }

    private void execute() {
        // OpenMP keeps the thread count per calling thread; run with the one the primitives were
        // made for, and leave the caller's setting as it was.
        int callerThreads = Dnnl.threads();
        if (callerThreads != threads) {
            Dnnl.setThreads(threads);
        }
        try {
            for (int i = 0; i < primitives.length; i++) {
                primitives[i].execute(stream, arguments[i]);
            }
            stream.await();
        } finally {
            if (callerThreads != threads) {
                Dnnl.setThreads(callerThreads);
            }
        }
    }

    private static void checkSize(String what, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + " has " + actual + " bytes, the network expects " + expected
                    + " (" + expected / Float.BYTES + " floats)");
        }
    }

    public Network network() {
        return network;
    }

    /** Frees the stream and memory objects (not the workspace); a second call does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Closer.closeAll(memories);
        } finally {
            stream.close();
            arena.close();
        }
    }
}
