package io.github.mobilenetj.image;

import java.util.Arrays;

/**
 * Pillow's {@code Image.resize(size, Image.BILINEAR)} for 8-bit images, reimplemented from
 * Pillow's {@code src/libImaging/Resample.c} (8bpc path) so that results match bit for bit.
 *
 * <p>Pillow's "bilinear" is a triangle filter whose support grows with the downscale factor (so it
 * antialiases when shrinking). Per output pixel it precomputes the taps in double precision,
 * normalises them to sum 1, and converts them to fixed point with 22 fractional bits. The horizontal
 * pass runs first and rounds and clips its result to uint8; the vertical pass then runs on those
 * bytes. An axis whose size does not change is skipped, as in Pillow.
 *
 * <p>Every output pixel depends only on its own taps, so this class computes just a requested
 * rectangle of the full-size result (for example the centre crop) with identical values.
 */
final class PillowBilinearResampler {
    /** 8 bits for the result, 2 spare bits for filters with negative lobes, 22 fractional bits. */
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);
    private static final double BILINEAR_SUPPORT = 1.0;

    private PillowBilinearResampler() {}

    /**
     * Fixed-point taps for output positions {@code [from, from + length)} of one axis: output position
     * {@code from + i} reads {@code count[i]} inputs starting at {@code first[i]}, weighted by
     * {@code coefficients[i * taps ...]}.
     */
    record Weights(int from, int[] first, int[] count, int[] coefficients, int taps) {
        /** First input index read by any output in the range. */
        int inputStart() {
            return first[0];
        }

        /** One past the last input index read by any output in the range (taps move monotonically). */
        int inputEnd() {
            int last = first.length - 1;
            return first[last] + count[last];
        }
    }

    /** Pillow's {@code precompute_coeffs} plus {@code normalize_coeffs_8bpc}, for part of an axis. */
    static Weights weights(int inSize, int outSize, int from, int length) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = BILINEAR_SUPPORT * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[length];
        int[] count = new int[length];
        int[] coefficients = new int[Math.multiplyExact(length, taps)];
        double[] k = new double[taps];
        double inverseFilterScale = 1.0 / filterScale;
        for (int i = 0; i < length; i++) {
            int xx = from + i;
            double center = (xx + 0.5) * scale;
            // (int) truncates toward zero like C's cast; negatives are clamped right after.
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double sum = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = triangle((x + xmin - center + 0.5) * inverseFilterScale);
                k[x] = w;
                sum += w;
            }
            for (int x = 0; x < xmax; x++) {
                double normalised = sum != 0.0 ? k[x] / sum : k[x];
                coefficients[i * taps + x] = toFixedPoint(normalised);
            }
            first[i] = xmin;
            count[i] = xmax;
        }
        return new Weights(from, first, count, coefficients, taps);
    }

    private static double triangle(double x) {
        double a = Math.abs(x);
        return a < 1.0 ? 1.0 - a : 0.0;
    }

    /** Rounds half away from zero, as Pillow's {@code (int)(±0.5 + k * (1 << PRECISION_BITS))}. */
    private static int toFixedPoint(double k) {
        double scaled = k * (1 << PRECISION_BITS);
        return k < 0 ? (int) (-0.5 + scaled) : (int) (0.5 + scaled);
    }

    /** Pillow's {@code clip8}: drop the fraction bits, clamp to 0..255. */
    private static int clip8(int accumulator) {
        int v = accumulator >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * Resizes {@code src} to {@code outWidth x outHeight} and returns the rectangle of the result with
     * top-left corner {@code (x0, y0)} and size {@code width x height}.
     */
    static Pixels8 resize(Pixels8 src, int outWidth, int outHeight, int x0, int y0, int width, int height) {
        if (x0 < 0 || y0 < 0 || width <= 0 || height <= 0 || x0 + width > outWidth || y0 + height > outHeight) {
            throw new IllegalArgumentException("region " + width + "x" + height + "+" + x0 + "+" + y0
                    + " is not inside the " + outWidth + "x" + outHeight + " result");
        }
        Weights vertical = outHeight != src.height ? weights(src.height, outHeight, y0, height) : null;
        int rowStart = vertical != null ? vertical.inputStart() : y0;
        int rowEnd = vertical != null ? vertical.inputEnd() : y0 + height;
        Pixels8 rows = outWidth != src.width
                ? horizontalPass(src, weights(src.width, outWidth, x0, width), rowStart, rowEnd)
                : copyColumns(src, x0, width, rowStart, rowEnd);
        return vertical != null ? verticalPass(rows, vertical, rowStart) : rows;
    }

    /** Resamples rows {@code [rowStart, rowEnd)} of {@code src} horizontally. */
    private static Pixels8 horizontalPass(Pixels8 src, Weights weights, int rowStart, int rowEnd) {
        int width = weights.first().length;
        Pixels8 out = new Pixels8(width, rowEnd - rowStart, src.channels);
        int[] first = weights.first();
        int[] count = weights.count();
        int[] coefficients = weights.coefficients();
        int taps = weights.taps();
        byte[] in = src.data;
        int o = 0;
        for (int c = 0; c < src.channels; c++) {
            for (int y = rowStart; y < rowEnd; y++) {
                int rowOffset = src.plane(c) + y * src.width;
                for (int x = 0; x < width; x++) {
                    int start = rowOffset + first[x];
                    int k = x * taps;
                    int accumulator = HALF;
                    for (int t = 0, n = count[x]; t < n; t++) {
                        accumulator += (in[start + t] & 0xFF) * coefficients[k + t];
                    }
                    out.data[o++] = (byte) clip8(accumulator);
                }
            }
        }
        return out;
    }

    /** Resamples {@code rows} (source rows starting at {@code rowStart}) vertically. */
    private static Pixels8 verticalPass(Pixels8 rows, Weights weights, int rowStart) {
        int width = rows.width;
        int height = weights.first().length;
        Pixels8 out = new Pixels8(width, height, rows.channels);
        int[] coefficients = weights.coefficients();
        int taps = weights.taps();
        int[] accumulators = new int[width];
        byte[] in = rows.data;
        int o = 0;
        for (int c = 0; c < rows.channels; c++) {
            for (int y = 0; y < height; y++) {
                Arrays.fill(accumulators, HALF);
                int firstRow = weights.first()[y] - rowStart;
                int k = y * taps;
                // Row by row so the inner loop walks memory contiguously; integer sums are exact in
                // any order, so the result equals Pillow's column-by-column loop.
                for (int t = 0, n = weights.count()[y]; t < n; t++) {
                    int coefficient = coefficients[k + t];
                    int rowOffset = rows.plane(c) + (firstRow + t) * width;
                    for (int x = 0; x < width; x++) {
                        accumulators[x] += (in[rowOffset + x] & 0xFF) * coefficient;
                    }
                }
                for (int x = 0; x < width; x++) {
                    out.data[o++] = (byte) clip8(accumulators[x]);
                }
            }
        }
        return out;
    }

    private static Pixels8 copyColumns(Pixels8 src, int x0, int width, int rowStart, int rowEnd) {
        Pixels8 out = new Pixels8(width, rowEnd - rowStart, src.channels);
        int o = 0;
        for (int c = 0; c < src.channels; c++) {
            for (int y = rowStart; y < rowEnd; y++) {
                System.arraycopy(src.data, src.plane(c) + y * src.width + x0, out.data, o, width);
                o += width;
            }
        }
        return out;
    }
}
