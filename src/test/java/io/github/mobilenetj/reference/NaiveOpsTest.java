package io.github.mobilenetj.reference;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The naive single-layer helpers on tiny cases computed by hand. */
class NaiveOpsTest {

    private static final float[] ONE_TO_NINE = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final float[] ONES_3X3 = {1, 1, 1, 1, 1, 1, 1, 1, 1};

    @Test
    void convAllOnesKernelPad1() {
        float[] y = NaiveMobileNet.conv2d(ONE_TO_NINE, 1, 1, 3, 3, ONES_3X3, null, 1, 3, 3, 1, 1, 1);
        assertArrayEquals(new float[] {12, 21, 16, 27, 45, 33, 24, 39, 28}, y);
    }

    @Test
    void convStride2AndBias() {
        float[] y = NaiveMobileNet.conv2d(ONE_TO_NINE, 1, 1, 3, 3, ONES_3X3, new float[] {0.5f}, 1, 3, 3, 2, 1, 1);
        assertArrayEquals(new float[] {12.5f, 16.5f, 24.5f, 28.5f}, y);
        float[] noPad = NaiveMobileNet.conv2d(ONE_TO_NINE, 1, 1, 3, 3, ONES_3X3, null, 1, 3, 3, 1, 0, 1);
        assertArrayEquals(new float[] {45}, noPad);
    }

    @Test
    void convIsCrossCorrelationNotFlipped() {
        // A single 1 at the kernel's top-left reads the input one row up and one column left.
        float[] k = {1, 0, 0, 0, 0, 0, 0, 0, 0};
        float[] y = NaiveMobileNet.conv2d(ONE_TO_NINE, 1, 1, 3, 3, k, null, 1, 3, 3, 1, 1, 1);
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 2, 0, 4, 5}, y);
    }

    @Test
    void depthwiseConv() {
        // Channel 0 = 1..9 with kernel "2 at the centre", channel 1 = all ones with the all-ones kernel.
        float[] x = new float[18];
        System.arraycopy(ONE_TO_NINE, 0, x, 0, 9);
        System.arraycopy(ONES_3X3, 0, x, 9, 9);
        float[] w = new float[18];
        w[4] = 2;
        System.arraycopy(ONES_3X3, 0, w, 9, 9);
        float[] y = NaiveMobileNet.conv2d(x, 1, 2, 3, 3, w, null, 2, 3, 3, 1, 1, 2);
        assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12, 14, 16, 18, 4, 6, 4, 6, 9, 6, 4, 6, 4}, y);
    }

    @Test
    void pointwiseConvMixesChannelsPerBatch() {
        // Batch 2, 2 channels of 1x2 pixels, 1x1 conv to 3 channels with bias.
        float[] x = {1, 2, 3, 4, /* batch 1 */ -1, 0, 0, 1};
        float[] w = {1, 0, 0, 1, 1, -1}; // out0 = c0, out1 = c1, out2 = c0 - c1
        float[] b = {0, 10, 0};
        float[] y = NaiveMobileNet.conv2d(x, 2, 2, 1, 2, w, b, 3, 1, 1, 1, 0, 1);
        assertArrayEquals(new float[] {1, 2, 13, 14, -2, -2, /* batch 1 */ -1, 0, 10, 11, -1, -1}, y);
    }

    @Test
    void groupedConvUsesOwnGroupInputs() {
        // 4 in channels (1 px), 2 groups, 2 out channels; each output sums its group's two inputs with weights (1, 10).
        float[] x = {1, 2, 3, 4};
        float[] w = {1, 10, 1, 10};
        float[] y = NaiveMobileNet.conv2d(x, 1, 4, 1, 1, w, null, 2, 1, 1, 1, 0, 2);
        assertArrayEquals(new float[] {21, 43}, y);
        assertThrows(IllegalArgumentException.class, () -> NaiveMobileNet.conv2d(x, 1, 4, 1, 1, w, null, 3, 1, 1, 1, 0, 2));
    }

    @Test
    void batchNorm() {
        // (3 - 1) / sqrt(3 + 1) * 2 + 0.5 = 2.5; channel 1: (0 - 0) / sqrt(1) * 1 - 1 = -1
        float[] y = NaiveMobileNet.batchNorm(new float[] {3, 5, 0, 2}, 1, 2, 2,
                new float[] {2, 1}, new float[] {0.5f, -1}, new float[] {1, 0}, new float[] {3, 0}, 1.0);
        assertArrayEquals(new float[] {2.5f, 4.5f, -1, 1}, y);
        // PyTorch's default eps: 1 / sqrt(1 + 1e-5)
        float[] z = NaiveMobileNet.batchNorm(new float[] {1}, 1, 1, 1, new float[] {1}, new float[] {0}, new float[] {0},
                new float[] {1}, 1e-5);
        assertEquals(1 / Math.sqrt(1 + 1e-5), z[0], 1e-7);
    }

    @Test
    void activations() {
        assertArrayEquals(new float[] {0, 0, 2, 7}, NaiveMobileNet.relu(new float[] {-1, 0, 2, 7}));
        assertArrayEquals(new float[] {0, 3, 6, 6}, NaiveMobileNet.relu6(new float[] {-1, 3, 6, 7}));
    }

    @Test
    void poolLinearSoftmax() {
        assertArrayEquals(new float[] {2.5f, -1, 0.5f, 0},
                NaiveMobileNet.globalAvgPool(new float[] {1, 2, 3, 4, -1, -1, -1, -1, 0, 1, 0, 1, 0, 0, 0, 0}, 2, 2, 4));
        // x = [1, 2], W = [[1, 1], [2, -1], [0, 3]], b = [0.5, 0, -1]
        assertArrayEquals(new float[] {3.5f, 0, 5},
                NaiveMobileNet.linear(new float[] {1, 2}, 1, 2, new float[] {1, 1, 2, -1, 0, 3}, new float[] {0.5f, 0, -1}, 3));
        float[] p = NaiveMobileNet.softmax(new float[] {0, (float) Math.log(3), 1000, 1000}, 2, 2);
        assertArrayEquals(new float[] {0.25f, 0.75f, 0.5f, 0.5f}, p, 1e-6f);
    }

    @Test
    void layoutConversions() {
        // n=1, c=2, h=1, w=3
        float[] nchw = {1, 2, 3, 10, 20, 30};
        float[] nhwc = NaiveMobileNet.nchwToNhwc(nchw, 1, 2, 1, 3);
        assertArrayEquals(new float[] {1, 10, 2, 20, 3, 30}, nhwc);
        assertArrayEquals(nchw, NaiveMobileNet.nhwcToNchw(nhwc, 1, 2, 1, 3));
    }
}
