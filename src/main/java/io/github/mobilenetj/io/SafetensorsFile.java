package io.github.mobilenetj.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A safetensors file, memory-mapped and validated on {@link #open}.
 *
 * <p>The format is an 8-byte little-endian header length N, N bytes of UTF-8 JSON describing each tensor's
 * type, shape and byte range, then the tensor data. Opening checks the whole header as strictly as the
 * reference (Rust) implementation, so the accessors cannot later read outside the file; tensor data is
 * read lazily, through the mapping, without copies.
 *
 * <p>Instances are safe for use from several threads. {@link #close()} unmaps the file, after which any
 * segment obtained from {@link #bytes} is no longer accessible. The file must not be truncated while open.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Headers larger than this are rejected, as by the reference implementation. */
    public static final long MAX_HEADER_LENGTH = 100_000_000;

    private static final int LENGTH_PREFIX = Long.BYTES;
    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int NAMES_SHOWN_IN_ERRORS = 10;

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
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo tensor : tensors) {
            byName.put(tensor.name(), tensor);
        }
        this.tensors = byName;
        this.names = List.copyOf(byName.keySet());
    }

    /**
     * Maps and validates a safetensors file.
     *
     * @param path the file
     * @return the open file, to be closed by the caller
     * @throws SafetensorsException if the file is not a valid safetensors file; the message says why
     * @throws IOException          if the file cannot be read
     */
    public static SafetensorsFile open(Path path) throws IOException {
        String fileName = path.toString();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment mapping = map(path, fileName, arena);
            long fileSize = mapping.byteSize();
            long headerLength = mapping.get(U64_LE, 0);
            // Compared as unsigned: a length with the top bit set is huge, not negative.
            if (Long.compareUnsigned(headerLength, MAX_HEADER_LENGTH) > 0) {
                throw SafetensorsException.at(fileName, "header length " + Long.toUnsignedString(headerLength)
                        + " exceeds the limit of " + MAX_HEADER_LENGTH + " bytes", 0);
            }
            if (headerLength > fileSize - LENGTH_PREFIX) {
                throw SafetensorsException.at(fileName, "header length " + headerLength + " exceeds the "
                        + (fileSize - LENGTH_PREFIX) + " bytes after the length prefix (file size " + fileSize + ")", 0);
            }
            byte[] header = mapping.asSlice(LENGTH_PREFIX, headerLength).toArray(ValueLayout.JAVA_BYTE);
            HeaderParser.Result parsed = HeaderParser.parse(header, LENGTH_PREFIX, fileName);
            long dataStart = LENGTH_PREFIX + headerLength;
            List<TensorInfo> tensors = DataLayout.validate(parsed.entries(), dataStart, fileSize - dataStart, fileName);
            return new SafetensorsFile(fileName, arena, mapping, parsed.metadata(), tensors);
        } catch (Throwable failure) {
            arena.close();
            throw failure;
        }
    }

    private static MemorySegment map(Path path, String fileName, Arena arena) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < LENGTH_PREFIX) {
                throw SafetensorsException.of(fileName, "file has " + size
                        + " bytes, fewer than the 8 bytes of the header length prefix");
            }
            // The mapping stays valid after the channel is closed, until the arena is.
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
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
     */
    public void readFloats(String name, MemorySegment dst) {
        TensorInfo info = info(name);
        if (!info.dtype().isConvertibleToFloat()) {
            throw new IllegalArgumentException(fileName + ": tensor '" + name + "' has dtype " + info.dtype()
                    + ", which does not convert to float32 (only F32, F16, BF16 and F64 do)");
        }
        long needed = Math.multiplyExact(info.elementCount(), Float.BYTES);
        if (dst.byteSize() < needed) {
            throw new IllegalArgumentException(fileName + ": tensor '" + name + "' needs " + needed
                    + " bytes of float32 but the destination has " + dst.byteSize());
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException(fileName + ": destination for tensor '" + name + "' is read-only");
        }
        FloatDecoder.decode(bytes(name), info.dtype(), dst, info.elementCount());
    }

    /**
     * Converts a tensor of type F32, F16, BF16 or F64 to a new float array.
     *
     * @param name the tensor's name
     * @return its elements in row-major order
     * @throws IllegalArgumentException if there is no tensor of this name, its type cannot be converted, or
     *                                  it has too many elements for a Java array
     */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        if (info.elementCount() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(fileName + ": tensor '" + name + "' has " + info.elementCount()
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
        String shown = names.stream().limit(NAMES_SHOWN_IN_ERRORS).collect(Collectors.joining(", "));
        String more = names.size() > NAMES_SHOWN_IN_ERRORS ? ", ... (" + names.size() + " in all)" : "";
        return fileName + " has no tensor named '" + name + "'; it has: "
                + (names.isEmpty() ? "no tensors" : shown + more);
    }
}
