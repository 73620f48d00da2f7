package io.github.mobilenetj.io;

import java.util.Arrays;

/**
 * One tensor entry as declared in a safetensors header, before its offsets are checked against the data.
 *
 * @param name       the tensor's name
 * @param dtype      its element type
 * @param shape      its dimensions, all non-negative (not copied: internal use only)
 * @param begin      {@code data_offsets[0]}, relative to the start of the data section
 * @param end        {@code data_offsets[1]}, relative to the start of the data section
 * @param fileOffset where the entry's name starts in the file, for error messages
 */
record HeaderEntry(String name, DType dtype, long[] shape, long begin, long end, long fileOffset) {

    /** "tensor 'name'", the prefix of messages about this entry. */
    String label() {
        return "tensor " + Messages.quote(name);
    }

    /** "[begin, end]", as written in the header. */
    String offsetsText() {
        return "[" + begin + ", " + end + "]";
    }

    String shapeText() {
        return Arrays.toString(shape);
    }
}
