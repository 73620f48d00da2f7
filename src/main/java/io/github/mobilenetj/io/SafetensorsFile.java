package io.github.mobilenetj.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A safetensors file, memory-mapped and validated on {@link #open}.
 *
 * <p>The format is an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing each tensor's
 * type, shape and byte range, then the tensor data. Opening checks the whole header as strictly as the
 * reference (Rust) implementation, so the accessors cannot later read outside the file; tensor data is
 * read lazily, through the mapping, without copies.
 *
 * <p>Instances are safe for use from several threads. {@link #close()} unmaps the file, after which any
 * segment obtained from {@link #bytes} is no longer accessible.
 *
 * <p>Limits: a header of at most {@link #MAX_HEADER_LENGTH} bytes (as in the reference implementation),
 * {@link #MAX_TENSORS} tensors, {@link #MAX_METADATA_ENTRIES} metadata entries and tensors of rank at most
 * {@link #MAX_RANK}. They bound what a hostile header can make the parser allocate (a few times the header's
 * size) and are far above what real checkpoints hold. Opening reads and parses the header once: callers that
 * need both the metadata and the tensors should keep the one open instance rather than open the file twice.
 *
 * <p>The file must not be truncated while it is open: the pages beyond the new end vanish from the mapping.
 * {@link #readFloats} then throws an {@link UncheckedIOException} naming the file instead of the JVM's
 * {@link InternalError}; a caller reading a segment from {@link #bytes} itself gets the {@code InternalError}.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Headers larger than this are rejected, as by the reference implementation. */
    public static final long MAX_HEADER_LENGTH = 100_000_000;

    /**
     * Most tensors a file may declare. Checkpoints hold hundreds to a few thousand tensors per file (MobileNetV1:
     * 137, a 70B-parameter transformer: under a thousand), the largest mixture-of-experts models tens of
     * thousands in all their shards together; each entry costs a few hundred bytes once parsed.
     */
    public static final int MAX_TENSORS = 131_072;

    /**
     * Most {@code __metadata__} entries a file may declare. Writers store a handful ({@code format}) to a few
     * hundred (training parameters of LoRA tools; the bundled Fashion-MNIST model: 16).
     */
    public static final int MAX_METADATA_ENTRIES = 65_536;

    /** Most dimensions a tensor may have: NumPy's limit (64 since 2.0); oneDNN stops at 12. */
    public static final int MAX_RANK = 64;

    private static final int LENGTH_PREFIX = Long.BYTES;
    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String fileName;
    private final Arena arena;
    private final MemorySegment mapping;
    private final Map<String, String> metadata;
    private final Map<String, TensorInfo> tensors;
    private final List<String> names;

    private SafetensorsFile(String fileName, Arena arena, MemorySegment mapping, Map<String, String> metadata,
                            List<TensorInfo> tensors) {
        this.fileName = fileName;
        this.arena = arena;
        this.mapping = mapping;
        this.metadata = metadata;
        Map<String, TensorInfo> byName = HashMap.newHashMap(tensors.size());
        String[] inOrder = new String[tensors.size()];
        for (int i = 0; i < inOrder.length; i++) {
            TensorInfo tensor = tensors.get(i);
            byName.put(tensor.name(), tensor);
            inOrder[i] = tensor.name();
        }
        this.tensors = byName;
        this.names = List.of(inOrder);
    }

    /**
     * Maps and validates a safetensors file.
     *
     * @param path the file
     * @return the open file, to be closed by the caller
     * @throws SafetensorsException    if the file is not a valid safetensors file; the message says why
     * @throws NoSuchFileException      if there is no such file ({@code "<path>: no such file"})
     * @throws NotRegularFileException  if the path names a directory, FIFO, device or socket
     * @throws IOException              if the file cannot be read
     */
    public static SafetensorsFile open(Path path) throws IOException {
        String fileName = path.toString();
        RegularFiles.require(path);
        Arena arena = Arena.ofShared();
        try {
            return parse(fileName, arena, map(path, arena));
        } catch (Throwable failure) {
            arena.close();
            throw failure;
        }
    }

    private static MemorySegment map(Path path, Arena arena) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            // The mapping stays valid after the channel is closed, until the arena is.
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        }
    }

    /**
     * Validates the contents of a safetensors file held in {@code contents} (a mapping, or any segment
     * for tests) and returns an instance serving them; closing it closes {@code arena}. On failure the
     * caller closes the arena.
     */
    static SafetensorsFile parse(String fileName, Arena arena, MemorySegment contents) throws SafetensorsException {
        long fileSize = contents.byteSize();
        if (fileSize < LENGTH_PREFIX) {
            throw SafetensorsException.of(fileName, "file has " + fileSize
                    + " bytes, fewer than the 8 bytes of the header length prefix");
        }
        try {
            long headerLength = contents.get(U64_LE, 0);
            // Compared as unsigned: a length with the top bit set is huge, not negative.
            if (Long.compareUnsigned(headerLength, MAX_HEADER_LENGTH) > 0) {
                throw SafetensorsException.at(fileName, "header length " + Long.toUnsignedString(headerLength)
                        + " exceeds the limit of " + MAX_HEADER_LENGTH + " bytes", 0);
            }
            if (headerLength > fileSize - LENGTH_PREFIX) {
                throw SafetensorsException.at(fileName, "header length " + headerLength + " exceeds the "
                        + (fileSize - LENGTH_PREFIX) + " bytes after the length prefix (file size " + fileSize + ")", 0);
            }
            byte[] header = contents.asSlice(LENGTH_PREFIX, headerLength).toArray(ValueLayout.JAVA_BYTE);
            HeaderParser.Result parsed = HeaderParser.parse(header, LENGTH_PREFIX, fileName);
            long dataStart = LENGTH_PREFIX + headerLength;
            List<TensorInfo> tensors = DataLayout.validate(parsed.entries(), dataStart, fileSize - dataStart, fileName);
            return new SafetensorsFile(fileName, arena, contents, parsed.metadata(), tensors);
        } catch (InternalError fault) {
            // The JVM reports an access to a page that vanished from the mapping this way.
            throw new SafetensorsException(changedWhileMapped(fileName, fault), fault);
        }
    }

    /**
     * Returns the header's free-form metadata.
     *
     * @return the {@code __metadata__} entries in header order, unmodifiable; empty if there are none
     */
    public Map<String, String> metadata() {
        ensureOpen();
        return metadata;
    }

    /**
     * Returns the tensor names.
     *
     * @return the names in header order, unmodifiable
     */
    public List<String> names() {
        ensureOpen();
        return names;
    }

    /**
     * Returns whether the file holds a tensor of this name.
     *
     * @param name a tensor name
     * @return whether {@link #info} would find it
     */
    public boolean contains(String name) {
        ensureOpen();
        return tensors.containsKey(name);
    }

    /**
     * Returns the description of a tensor.
     *
     * @param name the tensor's name
     * @return its type, shape and location
     * @throws IllegalArgumentException if there is no tensor of this name; the message lists some that exist
     */
    public TensorInfo info(String name) {
        ensureOpen();
        TensorInfo info = tensors.get(Objects.requireNonNull(name, "name"));
        if (info == null) {
            throw new IllegalArgumentException(unknownNameMessage(name));
        }
        return info;
    }

    /**
     * Returns a tensor's raw little-endian bytes as a read-only slice of the mapping, without copying.
     * The slice is valid until this file is closed.
     *
     * @param name the tensor's name
     * @return its {@link TensorInfo#byteSize()} bytes
     * @throws IllegalArgumentException if there is no tensor of this name
     */
    public MemorySegment bytes(String name) {
        TensorInfo info = info(name);
        return mapping.asSlice(info.dataOffset(), info.byteSize()).asReadOnly();
    }

    /**
     * Converts a tensor of type F32, F16, BF16 or F64 to float32 values, written in native byte order to
     * the start of {@code dst}, element by element without an intermediate copy.
     *
     * @param name the tensor's name
     * @param dst  at least {@code 4 * elementCount} writable bytes; need not be aligned
     * @throws IllegalArgumentException if there is no tensor of this name, its type cannot be converted, or
     *                                  {@code dst} is read-only or too small
     * @throws UncheckedIOException     if the file was truncated while open, so the tensor's data is gone; the
     *                                  message names the file and the tensor, the cause is a
     *                                  {@link SafetensorsException}
     */
    public void readFloats(String name, MemorySegment dst) {
        TensorInfo info = info(name);
        if (!info.dtype().isConvertibleToFloat()) {
            throw new IllegalArgumentException(fileName + ": tensor " + Messages.quote(name) + " has dtype " + info.dtype()
                    + ", which does not convert to float32 (only F32, F16, BF16 and F64 do)");
        }
        long needed = Math.multiplyExact(info.elementCount(), Float.BYTES);
        if (dst.byteSize() < needed) {
            throw new IllegalArgumentException(fileName + ": tensor " + Messages.quote(name) + " needs " + needed
                    + " bytes of float32 but the destination has " + dst.byteSize());
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException(fileName + ": destination for tensor " + Messages.quote(name)
                    + " is read-only");
        }
        try {
            FloatDecoder.decode(bytes(name), info.dtype(), dst, info.elementCount());
        } catch (InternalError fault) {
            String message = changedWhileMapped(fileName, fault) + " (reading tensor " + Messages.quote(name) + ")";
            throw new UncheckedIOException(message, new SafetensorsException(message, fault));
        }
    }

    private static String changedWhileMapped(String fileName, InternalError fault) {
        return fileName + ": the file changed while it was open (truncated by another process?): "
                + fault.getMessage();
    }

    /**
     * Converts a tensor of type F32, F16, BF16 or F64 to a new float array.
     *
     * @param name the tensor's name
     * @return its elements in row-major order
     * @throws IllegalArgumentException if there is no tensor of this name, its type cannot be converted, or
     *                                  it has too many elements for a Java array
     * @throws UncheckedIOException     if the file was truncated while open (see {@link #readFloats(String, MemorySegment)})
     */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        if (info.elementCount() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(fileName + ": tensor " + Messages.quote(name) + " has " + info.elementCount()
                    + " elements, too many for a float[]; use readFloats(String, MemorySegment)");
        }
        float[] values = new float[(int) info.elementCount()];
        readFloats(name, MemorySegment.ofArray(values));
        return values;
    }

    /** Unmaps the file. Closing an already closed file does nothing. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + fileName + ", " + names.size() + " tensors]";
    }

    private void ensureOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException(fileName + " is closed");
        }
    }

    private String unknownNameMessage(String name) {
        return fileName + " has no tensor named " + Messages.quote(name) + "; it has: "
                + (names.isEmpty() ? "no tensors" : Messages.list(names));
    }
}
