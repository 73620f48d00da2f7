package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Unit checks of the resamplers and the centre-crop geometry. */
class ResamplingTest {

    @ParameterizedTest
    @EnumSource(PillowResampler.Filter.class)
    void regionIsExactlyTheCorrespondingPartOfTheFullResize(PillowResampler.Filter filter) {
        Pixels8 src = random(57, 43, 3, 1);
        Pixels8 full = PillowResampler.resize(src, filter, 29, 71, 0, 0, 29, 71);
        Pixels8 part = PillowResampler.resize(src, filter, 29, 71, 5, 11, 17, 40);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 40; y++) {
                for (int x = 0; x < 17; x++) {
                    assertEquals(full.get(c, y + 11, x + 5), part.get(c, y, x));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(PillowResampler.Filter.class)
    void sameSizeIsACopy(PillowResampler.Filter filter) {
        Pixels8 src = random(13, 9, 1, 2);
        assertArrayEquals(src.data, PillowResampler.resize(src, filter, 13, 9, 0, 0, 13, 9).data);
    }

    @ParameterizedTest
    @CsvSource({"BILINEAR, 300, 73", "BICUBIC, 300, 73", "BILINEAR, 17, 40", "BICUBIC, 17, 40", "BICUBIC, 5, 1"})
    void weightsAreNormalisedFixedPoint(PillowResampler.Filter filter, int in, int out) {
        PillowResampler.Weights w = PillowResampler.weights(filter, in, out, 0, out);
        for (int i = 0; i < out; i++) {
            long sum = 0;
            for (int t = 0; t < w.count()[i]; t++) {
                sum += w.coefficients()[i * w.taps() + t];
            }
            assertEquals(1 << 22, sum, w.count()[i], "taps of output " + i + " sum to 1.0 within rounding");
        }
    }

    @Test
    void bicubicIsKeysCubicWithAMinusOneHalf() {
        // Keys (1981), a = -0.5: 1 at 0, 0 at the integers, 0.5625 at 1/2, -0.0625 at 3/2, 0 from 2 on.
        PillowResampler.Filter f = PillowResampler.Filter.BICUBIC;
        assertEquals(2.0, f.support());
        assertEquals(1.0, f.weight(0.0));
        assertEquals(0.5625, f.weight(0.5));
        assertEquals(0.5625, f.weight(-0.5));
        assertEquals(0.0, f.weight(1.0), 0.0); // -0.0 in Pillow too
        assertEquals(-0.0625, f.weight(1.5));
        assertEquals(-0.0625, f.weight(-1.5));
        assertEquals(0.0, f.weight(2.0), 0.0);
        assertEquals(0.0, f.weight(7.0));
        assertEquals(1.0, PillowResampler.Filter.BILINEAR.support());
        assertEquals(0.75, PillowResampler.Filter.BILINEAR.weight(-0.25));
    }

    @Test
    void bicubicUpscaleTapsByHand() {
        // 4 -> 8, output 0: centre 0.25, support 2: inputs int(-1.25) = -1 -> 0 .. int(2.75) = 2, so 0 and 1;
        // distances 0.25 and 1.25: k = 0.8671875 and -0.0703125, normalised by their sum 0.796875.
        PillowResampler.Weights w = PillowResampler.weights(PillowResampler.Filter.BICUBIC, 4, 8, 0, 8);
        assertEquals(5, w.taps());
        assertEquals(0, w.first()[0]);
        assertEquals(2, w.count()[0]);
        assertEquals(Math.round(0.8671875 / 0.796875 * (1 << 22)), w.coefficients()[0]);
        assertEquals(-Math.round(0.0703125 / 0.796875 * (1 << 22)), w.coefficients()[1]);
        // output 3: centre 1.75, inputs 0..3, distances 1.25, 0.25, 0.75, 1.75 (all four, sum 1).
        assertEquals(0, w.first()[3]);
        assertEquals(4, w.count()[3]);
        // downscale 300 -> 73: the filter stretches by 300/73, support 8.2, 19 taps reserved.
        assertEquals(19, PillowResampler.weights(PillowResampler.Filter.BICUBIC, 300, 73, 0, 1).taps());
    }

    @Test
    void bicubicOvershootIsClipped() {
        // A step 0 | 255 upscaled: the negative lobes ring below 0 and above 255, Pillow clips to 0..255.
        Pixels8 step = new Pixels8(8, 1, 1);
        java.util.Arrays.fill(step.data, 4, 8, (byte) 255);
        Pixels8 up = PillowResampler.resize(step, PillowResampler.Filter.BICUBIC, 32, 1, 0, 0, 32, 1);
        for (int x = 0; x < 32; x++) {
            assertEquals(x < 14 ? 0 : x >= 18 ? 255 : up.get(0, 0, x), up.get(0, 0, x), "x = " + x);
        }
        assertTrue(up.get(0, 0, 15) > 0 && up.get(0, 0, 16) < 255, "the edge itself is interpolated");
    }

    @Test
    void regionOutsideTheResultIsRejected() {
        Pixels8 src = random(10, 10, 1, 3);
        assertThrows(IllegalArgumentException.class,
                () -> PillowResampler.resize(src, PillowResampler.Filter.BILINEAR, 5, 5, 1, 0, 5, 5));
    }

    @Test
    void torchTapsFollowAlignCornersFalse() {
        TorchBilinearResize.Taps up = TorchBilinearResize.taps(2, 4);
        // positions (o + 0.5) * 0.5 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25
        assertArrayEquals(new int[] {0, 0, 0, 1}, up.index0());
        assertArrayEquals(new int[] {1, 1, 1, 1}, up.index1());
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 0.25f}, up.lambda1());
        assertArrayEquals(new float[] {1f, 0.75f, 0.25f, 0.75f}, up.lambda0());
    }

    @Test
    void centreCropRoundsHalvesToEvenLikePython() {
        assertEquals(4, CenterCrop.of(73, 73, 64, 64).originX()); // round(4.5) == 4
        assertEquals(6, CenterCrop.of(75, 75, 64, 64).originX()); // round(5.5) == 6
        assertEquals(80, CenterCrop.of(384, 256, 224, 224).originX());
        assertEquals(16, CenterCrop.of(384, 256, 224, 224).originY());
    }

    @Test
    void centreCropPadsWithTheOddZeroLast() {
        CenterCrop crop = CenterCrop.of(75, 50, 64, 64);
        assertEquals(-7, crop.originY()); // 14 rows of padding: 7 above, 7 below
        assertEquals(6, crop.originX());
        assertEquals(0, crop.visibleY0());
        assertEquals(50, crop.visibleHeight(50));
        assertEquals(-1, CenterCrop.of(61, 61, 64, 64).originX()); // 3 columns: 1 left, 2 right
    }

    private static Pixels8 random(int width, int height, int channels, long seed) {
        Pixels8 p = new Pixels8(width, height, channels);
        new Random(seed).nextBytes(p.data);
        return p;
    }
}
