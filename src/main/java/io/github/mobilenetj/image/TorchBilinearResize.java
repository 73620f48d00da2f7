package io.github.mobilenetj.image;

/**
 * PyTorch's CPU {@code F.interpolate(x, size, mode='bilinear', align_corners=False, antialias=False)}
 * on float32 pixels {@code v / 255f}, reproducing its arithmetic so that results match bit for bit
 * (verified against PyTorch 1.13 built for AVX2, whose kernels use fused multiply-add).
 *
 * <p>Per axis: {@code scale = (float) in / out}; the source position {@code scale * (dst + 0.5) - 0.5}
 * is evaluated in double, clamped at 0; {@code i0} is its integer part, {@code i1 = min(i0 + 1, in - 1)},
 * {@code lambda1 = (float) (pos - i0)} and {@code lambda0 = 1f - lambda1}. An axis of unchanged size
 * copies. The two taps are then combined as the kernel PyTorch picks for the tensor:
 * <ul>
 *   <li>several channels (a contiguous NCHW tensor) - the separable generic kernel:
 *       each row {@code fma(p0, wx0, p1 * wx1)}, then {@code fma(top, wy0, bottom * wy1)};
 *   <li>one channel - a (1, 1, H, W) tensor is also channels-last contiguous, so PyTorch takes its
 *       channels-last kernel: four float weights {@code wy * wx}, products summed in double.
 * </ul>
 */
final class TorchBilinearResize {
    private static final float[] UNIT = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            UNIT[v] = v / 255f; // ToTensor
        }
    }

    private TorchBilinearResize() {}

    /** The two source taps and weights of every output position along one axis. */
    record Taps(int[] index0, int[] index1, float[] lambda0, float[] lambda1) {}

    static Taps taps(int inSize, int outSize) {
        int[] index0 = new int[outSize];
        int[] index1 = new int[outSize];
        float[] lambda0 = new float[outSize];
        float[] lambda1 = new float[outSize];
        float scale = (float) inSize / outSize;
        for (int o = 0; o < outSize; o++) {
            if (inSize == outSize) {
                index0[o] = o;
                index1[o] = o;
                lambda0[o] = 1f;
                continue;
            }
            double position = Math.max(scale * (o + 0.5) - 0.5, 0.0);
            int i0 = (int) position;
            index0[o] = i0;
            index1[o] = i0 < inSize - 1 ? i0 + 1 : i0;
            lambda1[o] = (float) Math.min(position - i0, 1.0);
            lambda0[o] = 1f - lambda1[o];
        }
        return new Taps(index0, index1, lambda0, lambda1);
    }

    /** Resizes {@code src} to {@code outHeight x outWidth}, normalises and writes every value. */
    static void resize(Pixels8 src, int outHeight, int outWidth, Normalization normalization, TensorWriter out) {
        Taps rows = taps(src.height, outHeight);
        Taps columns = taps(src.width, outWidth);
        boolean channelsLastKernel = src.channels == 1;
        for (int c = 0; c < src.channels; c++) {
            int plane = src.plane(c);
            for (int y = 0; y < outHeight; y++) {
                int row0 = plane + rows.index0()[y] * src.width;
                int row1 = plane + rows.index1()[y] * src.width;
                float wy0 = rows.lambda0()[y];
                float wy1 = rows.lambda1()[y];
                for (int x = 0; x < outWidth; x++) {
                    int x0 = columns.index0()[x];
                    int x1 = columns.index1()[x];
                    float wx0 = columns.lambda0()[x];
                    float wx1 = columns.lambda1()[x];
                    float p00 = UNIT[src.data[row0 + x0] & 0xFF];
                    float p01 = UNIT[src.data[row0 + x1] & 0xFF];
                    float p10 = UNIT[src.data[row1 + x0] & 0xFF];
                    float p11 = UNIT[src.data[row1 + x1] & 0xFF];
                    float value = channelsLastKernel
                            ? channelsLast(p00, p01, p10, p11, wy0, wy1, wx0, wx1)
                            : separable(p00, p01, p10, p11, wy0, wy1, wx0, wx1);
                    out.put(c, y, x, normalization.normalize(c, value));
                }
            }
        }
    }

    private static float separable(float p00, float p01, float p10, float p11,
                                   float wy0, float wy1, float wx0, float wx1) {
        float top = Math.fma(p00, wx0, p01 * wx1);
        float bottom = Math.fma(p10, wx0, p11 * wx1);
        return Math.fma(top, wy0, bottom * wy1);
    }

    private static float channelsLast(float p00, float p01, float p10, float p11,
                                      float wy0, float wy1, float wx0, float wx1) {
        float w00 = wy0 * wx0;
        float w01 = wy0 * wx1;
        float w10 = wy1 * wx0;
        float w11 = wy1 * wx1;
        return (float) ((double) p00 * w00 + (double) p01 * w01 + (double) p10 * w10 + (double) p11 * w11);
    }
}
