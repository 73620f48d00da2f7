package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.Arg;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.dnnl.ExecArgs;
import io.github.mobilenetj.dnnl.FormatTag;
import io.github.mobilenetj.dnnl.Memory;
import io.github.mobilenetj.dnnl.MemoryDesc;
import io.github.mobilenetj.dnnl.Primitive;
import io.github.mobilenetj.dnnl.PrimitiveAttr;
import io.github.mobilenetj.dnnl.PrimitiveDesc;
import io.github.mobilenetj.dnnl.Stream;
import io.github.mobilenetj.io.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a network's layers in native memory, owned by the model and shared by every
 * network compiled from it.
 *
 * <p>The loader writes each layer's float32 weights (PyTorch layout) and bias into buffers this
 * store allocates ({@link #allocateWeights}, {@link #allocateBias}), so a tensor goes from the
 * file to native memory without a copy on the Java heap. When a network is compiled, each layer
 * asks for its weights in the layout oneDNN chose for it; the store keeps one copy per distinct
 * layout and type and hands the same copy to every network that wants it, so networks compiled for
 * other batch sizes or thread counts cost only their primitives, unless oneDNN picks another weight
 * layout for them. Once the model's first network exists, {@link #dropPlainWeights()} frees the
 * plain copies; later layouts are reordered from a copy already held.
 *
 * <p>Thread-safe. {@link #close()} frees everything; its owner calls it after closing every
 * network that uses this store.
 */
public final class ParameterStore implements AutoCloseable {

    private final Engine engine;
    private final Arena arena = Arena.ofShared();
    private Arena plainArena = Arena.ofShared();
    private final Map<Integer, Entry> entries = new HashMap<>();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private Stream stream;
    private boolean closed;

    /**
     * One layer: its plain weights (float32, or s8 for an 8-bit layer; until dropped), its bias,
     * its per-channel weight scales (8-bit layers), and the copies made so far.
     */
    private static final class Entry {
        MemorySegment plain;
        DType plainType = DType.F32;
        long[] plainShape;
        MemorySegment bias;
        Memory biasMemory;
        MemorySegment weightScales;
        Memory weightScalesMemory;
        final List<Memory> copies = new ArrayList<>();
    }

    public ParameterStore(Engine engine) {
        this.engine = engine;
    }

    /**
     * A zero-filled float32 buffer for layer {@code layer}'s weights in PyTorch's plain layout
     * ({@code shape}), for the loader to fill.
     */
    public MemorySegment allocateWeights(int layer, long[] shape) {
        return allocateWeights(layer, shape, DType.F32);
    }

    /**
     * A zero-filled buffer for layer {@code layer}'s weights in PyTorch's plain layout: float32, or
     * s8 codes ({@link DType#I8}) for a layer that computes in 8 bits (with
     * {@link #allocateWeightScales}).
     */
    public synchronized MemorySegment allocateWeights(int layer, long[] shape, DType type) {
        checkOpen();
        if (plainArena == null) {
            throw new IllegalStateException("plain weights were already dropped");
        }
        if (type != DType.F32 && type != DType.I8) {
            throw new IllegalArgumentException("plain weights are F32 or I8, not " + type);
        }
        long elements = 1;
        for (long d : shape) {
            elements = Math.multiplyExact(elements, d);
        }
        Entry e = entries.computeIfAbsent(layer, k -> new Entry());
        e.plain = plainArena.allocate(Math.multiplyExact(elements, (long) type.byteSize()), 64);
        e.plainType = type;
        e.plainShape = shape.clone();
        return e.plain;
    }

    /** A buffer of {@code channels} float32 per-output-channel scales of layer {@code layer}'s s8 weights. */
    public synchronized MemorySegment allocateWeightScales(int layer, int channels) {
        checkOpen();
        Entry e = entries.computeIfAbsent(layer, k -> new Entry());
        e.weightScales = arena.allocate((long) channels * Float.BYTES, 64);
        return e.weightScales;
    }

    /** The element type of layer {@code layer}'s stored weights: F32, or I8 for an 8-bit layer. */
    public synchronized DType weightType(int layer) {
        return entry(layer).plainType;
    }

    /** A zero-filled float32 buffer of {@code channels} values for layer {@code layer}'s bias. */
    public synchronized MemorySegment allocateBias(int layer, int channels) {
        checkOpen();
        Entry e = entries.computeIfAbsent(layer, k -> new Entry());
        e.bias = arena.allocate((long) channels * Float.BYTES, 64);
        return e.bias;
    }

    /**
     * Layer {@code layer}'s weights in the layout and type {@code chosen} (dimensions as oneDNN
     * describes them: {@code [O, I, KH, KW]}, {@code [G, O/G, I/G, KH, KW]} or {@code [O, I]}).
     * Reuses a copy with exactly that layout if there is one, else reorders into a new one.
     */
    synchronized Memory weights(int layer, MemoryDesc chosen) {
        checkOpen();
        Entry e = entry(layer);
        for (Memory copy : e.copies) {
            if (copy.desc().sameLayoutAs(chosen)) {
                return copy;
            }
        }
        if ((chosen.dataType() == DType.I8) != (e.plainType == DType.I8)) {
            throw new IllegalStateException("layer " + layer + " holds " + e.plainType + " weights, the primitive wants "
                    + chosen.dataType());
        }
        MemoryDesc target = own(chosen.copy());
        Memory stored = own(new Memory(engine, target, arena.allocate(target.byteSize(), 64)));
        if (e.plain != null) {
            long[] dims = chosen.dims();
            try (MemoryDesc plainDesc = MemoryDesc.of(dims, e.plainType, FormatTag.plain(dims.length));
                    Memory source = new Memory(engine, plainDesc, e.plain)) {
                if (plainDesc.byteSize() != e.plain.byteSize()) {
                    throw new IllegalStateException("layer " + layer + ": plain weights of " + e.plain.byteSize()
                            + " bytes do not match " + chosen);
                }
                reorder(source, stored);
            }
        } else if (!e.copies.isEmpty()) {
            reorder(e.copies.getFirst(), stored);
        } else {
            throw new IllegalStateException("layer " + layer + " has no weights in the store");
        }
        e.copies.add(stored);
        return stored;
    }

    /** Layer {@code layer}'s per-channel weight scales as a 1-D float32 memory object, or null. */
    synchronized Memory weightScales(int layer) {
        checkOpen();
        Entry e = entry(layer);
        if (e.weightScales == null) {
            return null;
        }
        if (e.weightScalesMemory == null) {
            MemoryDesc desc = own(MemoryDesc.of(new long[] {e.weightScales.byteSize() / Float.BYTES}, DType.F32,
                    FormatTag.X));
            e.weightScalesMemory = own(new Memory(engine, desc, e.weightScales));
        }
        return e.weightScalesMemory;
    }

    /**
     * Writes layer {@code layer}'s float32 weights, in PyTorch's plain layout, into {@code dst}: from
     * the plain copy while it is held, else converted back from a copy in another layout. For
     * quantizing a float model.
     */
    public synchronized void copyWeights(int layer, MemorySegment dst) {
        checkOpen();
        Entry e = entry(layer);
        if (e.plainType != DType.F32) {
            throw new IllegalStateException("layer " + layer + " holds " + e.plainType + " weights, not float32");
        }
        long elements = 1;
        for (long d : e.plainShape) {
            elements *= d;
        }
        if (dst.byteSize() != elements * Float.BYTES) {
            throw new IllegalArgumentException("layer " + layer + " has " + elements + " weights, the destination "
                    + dst.byteSize() + " bytes");
        }
        if (e.plain != null) {
            MemorySegment.copy(e.plain, 0, dst, 0, e.plain.byteSize());
            return;
        }
        Memory from = e.copies.getFirst();
        long[] dims = from.desc().dims();
        try (MemoryDesc plainDesc = MemoryDesc.of(dims, DType.F32, FormatTag.plain(dims.length));
                Memory to = new Memory(engine, plainDesc, dst)) {
            reorder(from, to);
        }
    }

    /** A copy of layer {@code layer}'s float32 bias, or null when it has none. */
    public synchronized float[] copyBias(int layer) {
        checkOpen();
        Entry e = entry(layer);
        return e.bias == null ? null : e.bias.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
    }

    /** Layer {@code layer}'s float32 bias as a 1-D memory object, or null when it has none. */
    synchronized Memory bias(int layer) {
        checkOpen();
        Entry e = entry(layer);
        if (e.bias == null) {
            return null;
        }
        if (e.biasMemory == null) {
            MemoryDesc desc = own(MemoryDesc.of(new long[] {e.bias.byteSize() / Float.BYTES}, DType.F32, FormatTag.X));
            e.biasMemory = own(new Memory(engine, desc, e.bias));
        }
        return e.biasMemory;
    }

    /**
     * Frees the plain float32 weights. Networks compiled later reorder from a copy already held,
     * so call this once the first network has been compiled. A store holding 8-bit weights keeps
     * its plain copies (a quarter of float32's size): s8 weights in a layout with oneDNN's
     * compensation cannot be reordered back, and saving a quantized model reads them.
     */
    public synchronized void dropPlainWeights() {
        if (plainArena == null || closed) {
            return;
        }
        for (Entry e : entries.values()) {
            if (e.plain != null && (e.copies.isEmpty() || e.plainType == DType.I8)) {
                return; // some layer has no copy yet, or holds s8 weights: keep the plain weights
            }
        }
        for (Entry e : entries.values()) {
            e.plain = null;
        }
        plainArena.close();
        plainArena = null;
    }

    /** Layer {@code layer}'s plain s8 weights (PyTorch layout), read-only; only for 8-bit layers. */
    public synchronized MemorySegment plainCodes(int layer) {
        checkOpen();
        Entry e = entry(layer);
        if (e.plainType != DType.I8 || e.plain == null) {
            throw new IllegalStateException("layer " + layer + " holds no plain s8 weights");
        }
        return e.plain.asReadOnly();
    }

    /** A copy of layer {@code layer}'s per-channel weight scales, or null for a float layer. */
    public synchronized float[] copyWeightScales(int layer) {
        checkOpen();
        Entry e = entry(layer);
        return e.weightScales == null ? null : e.weightScales.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
    }

    /** Bytes held: weight copies in every layout, biases and plain weights not yet dropped. */
    public synchronized long byteSize() {
        long total = 0;
        for (Entry e : entries.values()) {
            total += e.plain == null ? 0 : e.plain.byteSize();
            total += e.bias == null ? 0 : e.bias.byteSize();
            total += e.weightScales == null ? 0 : e.weightScales.byteSize();
            for (Memory m : e.copies) {
                total += m.desc().byteSize();
            }
        }
        return total;
    }

    /** Number of weight copies held for layer {@code layer} (one per distinct layout). */
    public synchronized int copies(int layer) {
        Entry e = entries.get(layer);
        return e == null ? 0 : e.copies.size();
    }

    private Entry entry(int layer) {
        Entry e = entries.get(layer);
        if (e == null) {
            throw new IllegalStateException("layer " + layer + " has no parameters in the store");
        }
        return e;
    }

    private void reorder(Memory from, Memory to) {
        try (PrimitiveAttr attr = new PrimitiveAttr();
                PrimitiveDesc pd = PrimitiveDesc.reorder(engine, from.desc(), to.desc(), attr);
                Primitive reorder = new Primitive(pd);
                MemoryDesc scratchDesc = pd.scratchpadDesc();
                Arena staging = Arena.ofConfined()) {
            try (Memory scratch = scratchDesc == null ? null
                    : new Memory(engine, scratchDesc, staging.allocate(scratchDesc.byteSize(), 64))) {
                ExecArgs args = new ExecArgs(staging, 3).put(Arg.FROM, from).put(Arg.TO, to);
                if (scratch != null) {
                    args.put(Arg.SCRATCHPAD, scratch);
                }
                if (stream == null) {
                    stream = new Stream(engine);
                }
                reorder.execute(stream, args);
                stream.await();
            }
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("parameter store is closed");
        }
    }

    /** Frees every copy; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Closer.closeAll(owned);
        if (stream != null) {
            stream.close();
        }
        if (plainArena != null) {
            plainArena.close();
        }
        arena.close();
    }
}
