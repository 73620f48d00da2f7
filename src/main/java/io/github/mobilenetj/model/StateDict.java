package io.github.mobilenetj.model;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.io.SafetensorsFile;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * Named tensors to build a model from: a safetensors file ({@link #of(SafetensorsFile)}) or
 * {@link Weights} in memory. Values are read as float32 straight into the caller's native memory.
 */
interface StateDict {

    /** Where the tensors come from, for messages: the file name, or "random weights (seed 42)". */
    String source();

    /** Tensor names, in stored order. */
    List<String> names();

    boolean contains(String name);

    /** The tensor's shape. */
    long[] shape(String name);

    /** The tensor's stored element type. */
    DType dtype(String name);

    /** Reads tensor {@code name} as float32 into {@code dst}, which has exactly its size. */
    void read(String name, MemorySegment dst);

    /** The tensor's values as a new array (for small vectors). */
    float[] read(String name);

    /** Copies the tensor's stored bytes (e.g. I8 codes) into {@code dst}, which has exactly its size. */
    void readBytes(String name, MemorySegment dst);

    /** Free-form metadata ({@code __metadata__} of a safetensors file); empty for weights in memory. */
    Map<String, String> metadata();

    /** The tensors of an open safetensors file; {@code source} names it in messages (its path). */
    static StateDict of(SafetensorsFile file, String source) {
        return new StateDict() {
            @Override
            public String source() {
                return source;
            }

            @Override
            public List<String> names() {
                return file.names();
            }

            @Override
            public boolean contains(String name) {
                return file.contains(name);
            }

            @Override
            public long[] shape(String name) {
                return file.info(name).shape();
            }

            @Override
            public DType dtype(String name) {
                return file.info(name).dtype();
            }

            @Override
            public void read(String name, MemorySegment dst) {
                file.readFloats(name, dst);
            }

            @Override
            public float[] read(String name) {
                return file.readFloats(name);
            }

            @Override
            public void readBytes(String name, MemorySegment dst) {
                MemorySegment bytes = file.bytes(name);
                if (bytes.byteSize() != dst.byteSize()) {
                    throw new IllegalArgumentException(source + ": tensor '" + name + "' has " + bytes.byteSize()
                            + " bytes, expected " + dst.byteSize());
                }
                MemorySegment.copy(bytes, 0, dst, 0, bytes.byteSize());
            }

            @Override
            public Map<String, String> metadata() {
                return file.metadata();
            }

        };
    }
}
