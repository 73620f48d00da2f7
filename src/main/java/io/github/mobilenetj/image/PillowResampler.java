package io.github.mobilenetj.image;

import java.util.Arrays;

/**
 * Pillow's {@code Image.resize(size, Image.BILINEAR)} and {@code Image.resize(size, Image.BICUBIC)}
 * for 8-bit images, reimplemented from Pillow's {@code src/libImaging/Resample.c} (8bpc path, the
 * same in Pillow 9.4 and later) so that results match bit for bit.
 *
 * <p>Pillow resamples with a separable convolution whose {@link Filter} is stretched by the
 * downscale factor (so it antialiases when shrinking): a filter of support {@code s} reads
 * {@code 2 s * max(1, in / out)} inputs around each output. Per output pixel it evaluates the taps
 * in double precision, normalises them to sum 1, and converts them to fixed point with 22 fractional
 * bits. The horizontal pass runs first and rounds and clips its result to uint8; the vertical pass
 * then runs on those bytes. An axis whose size does not change is skipped, as in Pillow.
 *
 * <p>Every output pixel depends only on its own taps, so this class computes just a requested
 * rectangle of the full-size result (for example the centre crop) with identical values.
 */
final class PillowResampler {
    /** 8 bits for the result, 2 spare bits for filters with negative lobes, 22 fractional bits. */
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private PillowResampler() {}

    /** Pillow's resampling filters ({@code struct filter} in Resample.c) that this class implements. */
    enum Filter {
        /** {@code Image.BILINEAR}: the triangle {@code 1 - |x|}, support 1. */
        BILINEAR(1.0) {
            @Override
            double weight(double x) {
                // bilinear_filter, operation for operation.
                if (x < 0.0) {
                    x = -x;
                }
                if (x < 1.0) {
                    return 1.0 - x;
                }
                return 0.0;
            }
        },
        /** {@code Image.BICUBIC}: Keys' cubic convolution with {@code a = -0.5}, support 2. */
        BICUBIC(2.0) {
            @Override
            double weight(double x) {
                // bicubic_filter with a = -0.5, its expressions in the same order so the doubles agree.
                final double a = -0.5;
                if (x < 0.0) {
                    x = -x;
                }
                if (x < 1.0) {
                    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                }
                if (x < 2.0) {
                    return (((x - 5) * x + 8) * x - 4) * a;
                }
                return 0.0;
            }
        };

        private final double support;

        Filter(double support) {
            this.support = support;
        }

        /** Half-width of the filter at scale 1, in input pixels. */
        double support() {
            return support;
        }

        /** The unnormalised filter value at distance {@code x} (in filter-scaled pixels) from the centre. */
        abstract double weight(double x);
    }

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
    static Weights weights(Filter filter, int inSize, int outSize, int from, int length) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
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
                double w = filter.weight((x + xmin - center + 0.5) * inverseFilterScale);
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

    /** Rounds half away from zero, as Pillow's {@code (int)(±0.5 + k * (1 << PRECISION_BITS))}. */
    private static int toFixedPoint(double k) {
        double scaled = k * (1 << PRECISION_BITS);
        return k < 0 ? (int) (-0.5 + scaled) : (int) (0.5 + scaled);
    }

    /**
     * Pillow's {@code clip8}: drop the fraction bits, clamp to 0..255 (bicubic's negative lobes take
     * sums below 0 and above 255; Pillow's lookup table clamps them the same way).
     */
    private static int clip8(int accumulator) {
        int v = accumulator >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /**
     * Resizes {@code src} to {@code outWidth x outHeight} with {@code filter} and returns the rectangle
     * of the result with top-left corner {@code (x0, y0)} and size {@code width x height}.
     */
    static Pixels8 resize(Pixels8 src, Filter filter, int outWidth, int outHeight, int x0, int y0, int width,
            int height) {
        if (x0 < 0 || y0 < 0 || width <= 0 || height <= 0 || x0 + width > outWidth || y0 + height > outHeight) {
            throw new IllegalArgumentException("region " + width + "x" + height + "+" + x0 + "+" + y0
                    + " is not inside the " + outWidth + "x" + outHeight + " result");
        }
        Weights vertical = outHeight != src.height ? weights(filter, src.height, outHeight, y0, height) : null;
        int rowStart = vertical != null ? vertical.inputStart() : y0;
        int rowEnd = vertical != null ? vertical.inputEnd() : y0 + height;
        Pixels8 rows = outWidth != src.width
                ? horizontalPass(src, weights(filter, src.width, outWidth, x0, width), rowStart, rowEnd)
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
