package io.github.mobilenetj.dnnl;

import java.lang.foreign.MemorySegment;

/** Reads the static, NUL-terminated strings the C API returns. */
final class NativeStrings {
    /** Longer than any name oneDNN returns; bounds the read of a pointer whose size C does not tell. */
    private static final long MAX_LENGTH = 4096;

    private NativeStrings() {
    }

    /** The string at {@code pointer}, or {@code null} for a NULL pointer. */
    static String read(MemorySegment pointer) {
        if (pointer == null || pointer.equals(MemorySegment.NULL)) {
            return null;
        }
        return pointer.reinterpret(MAX_LENGTH).getString(0);
    }
}
