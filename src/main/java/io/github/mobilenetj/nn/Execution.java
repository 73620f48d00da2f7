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
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a {@link CompiledNetwork}: owns a stream, two ping-pong activation buffers, a scratchpad
 * and the argument lists of every primitive, all allocated once in its own arena.
 *
 * <p>Not thread-safe: use one execution per thread. Running it from two threads at once, or
 * closing it while it runs, throws {@link IllegalStateException} instead of corrupting memory.
 * {@link #run(MemorySegment, MemorySegment)} allocates nothing on the Java heap.
 */
public final class Execution implements AutoCloseable {

    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int CLOSED = 2;

    private final CompiledNetwork network;
    private final int threads;
    private final Arena arena;
    private final Stream stream;
    private final Memory input;
    private final Memory output;
    private final MemorySegment inputStaging;
    private final MemorySegment outputStaging;
    private final Primitive[] primitives;
    private final ExecArgs[] arguments;
    private final List<Memory> memories = new ArrayList<>();
    private final AtomicInteger state = new AtomicInteger(IDLE);

    Execution(CompiledNetwork network) {
        this.network = network;
        this.threads = network.threads();
        this.arena = Arena.ofShared();
        Stream createdStream = null;
        try {
            createdStream = new Stream(network.engine());
            this.stream = createdStream;
            this.inputStaging = arena.allocate(network.inputDesc().byteSize(), 64);
            this.outputStaging = arena.allocate(network.outputDesc().byteSize(), 64);
            this.input = track(new Memory(network.engine(), network.inputDesc(), inputStaging));
            this.output = track(new Memory(network.engine(), network.outputDesc(), outputStaging));
            MemorySegment[] pingPong = {
                arena.allocate(Math.max(network.activationBytes(), 1), 64),
                arena.allocate(Math.max(network.activationBytes(), 1), 64)
            };
            MemorySegment scratch = arena.allocate(Math.max(network.scratchpadBytes(), 1), 64);
            List<Step> steps = network.steps();
            this.primitives = new Primitive[steps.size()];
            this.arguments = new ExecArgs[steps.size()];
            Memory src = input;
            for (int i = 0; i < steps.size(); i++) {
                Step step = steps.get(i);
                boolean last = i == steps.size() - 1;
                Memory dst = last ? output : track(new Memory(network.engine(), step.dst(), pingPong[i % 2]));
                ExecArgs args = new ExecArgs(arena, step.argumentCount());
                args.put(step.reorder() ? Arg.FROM : Arg.SRC, src).put(step.reorder() ? Arg.TO : Arg.DST, dst);
                if (step.weights() != null) {
                    args.put(Arg.WEIGHTS, step.weights());
                }
                if (step.bias() != null) {
                    args.put(Arg.BIAS, step.bias());
                }
                if (step.scratchpad() != null) {
                    args.put(Arg.SCRATCHPAD, track(new Memory(network.engine(), step.scratchpad(), scratch)));
                }
                primitives[i] = step.primitive();
                arguments[i] = args;
                src = dst;
            }
        } catch (RuntimeException | Error e) {
            releaseNative(createdStream);
            throw e;
        }
    }

    private Memory track(Memory memory) {
        memories.add(memory);
        return memory;
    }

    /**
     * Runs the network from {@code input} into {@code output}, float32 segments of exactly the
     * compiled shapes and layouts. Native segments are used in place (zero-copy, allocation-free);
     * heap segments are copied through this execution's own buffers.
     */
    public void run(MemorySegment input, MemorySegment output) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        checkSize("input", input.byteSize(), network.inputBytes());
        checkSize("output", output.byteSize(), network.outputBytes());
        if (output.isReadOnly()) {
            throw new IllegalArgumentException("output segment is read-only");
        }
        enter();
        try {
            // Native segments are used in place; heap segments go through this execution's buffers.
            if (input.isNative()) {
                this.input.attach(input);
            } else {
                MemorySegment.copy(input, 0, inputStaging, 0, inputStaging.byteSize());
                this.input.attach(inputStaging);
            }
            boolean copyOut = !output.isNative();
            this.output.attach(copyOut ? outputStaging : output);
            execute();
            if (copyOut) {
                MemorySegment.copy(outputStaging, 0, output, 0, outputStaging.byteSize());
            }
        } finally {
            state.set(IDLE);
        }
    }

    /** Runs on tensors; checks their shapes and layouts against the compiled ones. */
    public void run(Tensor input, Tensor output) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        if (!input.shape().equals(network.inputShape()) || input.layout() != network.inputLayout()) {
            throw new IllegalArgumentException("input tensor is " + input.shape() + " " + input.layout()
                    + ", the network was compiled for " + network.inputShape() + " " + network.inputLayout());
        }
        if (!output.shape().equals(network.outputShape())
                || (output.layout() != network.outputLayout() && output.shape().itemSize() != output.shape().channels())) {
            throw new IllegalArgumentException("output tensor is " + output.shape() + " " + output.layout()
                    + ", the network produces " + network.outputShape() + " " + network.outputLayout());
        }
        run(input.data(), output.data());
    }

    /** Copies {@code input} in, runs, and copies the result into {@code output}. Allocation-free. */
    public void run(float[] input, float[] output) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        checkSize("input", (long) input.length * Float.BYTES, network.inputBytes());
        checkSize("output", (long) output.length * Float.BYTES, network.outputBytes());
        enter();
        try {
            MemorySegment.copy(input, 0, inputStaging, ValueLayout.JAVA_FLOAT, 0, input.length);
            this.input.attach(inputStaging);
            this.output.attach(outputStaging);
            execute();
            MemorySegment.copy(outputStaging, ValueLayout.JAVA_FLOAT, 0, output, 0, output.length);
        } finally {
            state.set(IDLE);
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

    private void enter() {
        if (!state.compareAndSet(IDLE, RUNNING)) {
            throw new IllegalStateException(state.get() == CLOSED
                    ? "execution is closed"
                    : "execution is already running on another thread; use one execution per thread");
        }
    }

    private static void checkSize(String what, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + " has " + actual + " bytes, the network expects " + expected
                    + " (" + expected / Float.BYTES + " floats)");
        }
    }

    public CompiledNetwork network() {
        return network;
    }

    /**
     * Frees this execution's buffers. A second call does nothing.
     *
     * @throws IllegalStateException if it is running on another thread
     */
    @Override
    public void close() {
        while (true) {
            int s = state.get();
            if (s == CLOSED) {
                return;
            }
            if (s == RUNNING) {
                throw new IllegalStateException("cannot close an execution while it is running");
            }
            if (state.compareAndSet(IDLE, CLOSED)) {
                break;
            }
        }
        releaseNative(stream);
        network.executionClosed();
    }

    private void releaseNative(Stream createdStream) {
        for (int i = memories.size() - 1; i >= 0; i--) {
            memories.get(i).close();
        }
        if (createdStream != null) {
            createdStream.close();
        }
        arena.close();
    }
}
