package io.github.mobilenetj.nn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The native buffers an {@link Execution} computes in: two ping-pong activation buffers, a
 * scratchpad, and staging copies of the input and output. One workspace serves every execution of
 * one caller (a session's networks for each batch size), so it is as large as the largest of them
 * needs, not their sum; it grows when a larger network first runs and never shrinks.
 *
 * <p>Not thread-safe: the owner runs one execution at a time. {@link #close()} frees the buffers.
 */
public final class Workspace implements AutoCloseable {

    private Arena arena;
    private MemorySegment activationA;
    private MemorySegment activationB;
    private MemorySegment scratchpad;
    private MemorySegment inputStaging;
    private MemorySegment outputStaging;
    private int generation;
    private boolean closed;

    public Workspace() {
        allocate(1, 1, 1, 1);
    }

    /** Grows the buffers to what {@code network} needs, if they are smaller. */
    void ensure(Network network) {
        if (closed) {
            throw new IllegalStateException("workspace is closed");
        }
        long activations = Math.max(network.activationBytes(), 1);
        long scratch = Math.max(network.scratchpadBytes(), 1);
        if (activations > activationA.byteSize() || scratch > scratchpad.byteSize()
                || network.inputBytes() > inputStaging.byteSize() || network.outputBytes() > outputStaging.byteSize()) {
            Arena previous = arena;
            allocate(Math.max(activations, activationA.byteSize()), Math.max(scratch, scratchpad.byteSize()),
                    Math.max(network.inputBytes(), inputStaging.byteSize()),
                    Math.max(network.outputBytes(), outputStaging.byteSize()));
            previous.close();
        }
    }

    private void allocate(long activations, long scratch, long input, long output) {
        Arena next = Arena.ofShared();
        try {
            activationA = next.allocate(activations, 64);
            activationB = next.allocate(activations, 64);
            scratchpad = next.allocate(scratch, 64);
            inputStaging = next.allocate(input, 64);
            outputStaging = next.allocate(output, 64);
        } catch (RuntimeException | Error e) {
            next.close();
            throw e;
        }
        arena = next;
        generation++;
    }

    /** Changes whenever the buffers are reallocated, so executions know to re-point their memory objects. */
    int generation() {
        return generation;
    }

    MemorySegment activation(int index) {
        return index % 2 == 0 ? activationA : activationB;
    }

    MemorySegment scratchpad() {
        return scratchpad;
    }

    MemorySegment inputStaging() {
        return inputStaging;
    }

    MemorySegment outputStaging() {
        return outputStaging;
    }

    /** Native bytes held. */
    public long byteSize() {
        return closed ? 0 : 2 * activationA.byteSize() + scratchpad.byteSize() + inputStaging.byteSize()
                + outputStaging.byteSize();
    }

    /** Frees the buffers; a second call does nothing. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
