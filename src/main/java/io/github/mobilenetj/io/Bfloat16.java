package io.github.mobilenetj.io;

/** Conversions between float32 and bfloat16, which is the upper half of a float32's bits. */
final class Bfloat16 {

    private Bfloat16() {
    }

    /** Widens bfloat16 bits to the float32 they denote; exact. */
    static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * Narrows a float32 to bfloat16 bits, rounding to nearest with ties to even. Overflow rounds to
     * infinity, as IEEE rounding requires; a NaN stays a NaN (quiet) even when its payload lies only in the
     * low bits that are dropped.
     */
    static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) (bits >>> 16 | 0x0040);
        }
        // Adding 0x7FFF plus the lowest kept bit rounds up exactly when the dropped half is above
        // one half, or equal to it and the kept part is odd. A carry into the exponent is correct rounding.
        int lowestKeptBit = (bits >>> 16) & 1;
        return (short) ((bits + 0x7FFF + lowestKeptBit) >>> 16);
    }
}
