package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Unit checks of the resamplers and the centre-crop geometry. */
class ResamplingTest {

    @Test
    void regionIsExactlyTheCorrespondingPartOfTheFullResize() {
        Pixels8 src = random(57, 43, 3, 1);
        Pixels8 full = PillowBilinearResampler.resize(src, 29, 71, 0, 0, 29, 71);
        Pixels8 part = PillowBilinearResampler.resize(src, 29, 71, 5, 11, 17, 40);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 40; y++) {
                for (int x = 0; x < 17; x++) {
                    assertEquals(full.get(c, y + 11, x + 5), part.get(c, y, x));
                }
            }
        }
    }

    @Test
    void sameSizeIsACopy() {
        Pixels8 src = random(13, 9, 1, 2);
        assertArrayEquals(src.data, PillowBilinearResampler.resize(src, 13, 9, 0, 0, 13, 9).data);
    }

    @Test
    void weightsAreNormalisedFixedPoint() {
        PillowBilinearResampler.Weights w = PillowBilinearResampler.weights(300, 73, 0, 73);
        for (int i = 0; i < 73; i++) {
            long sum = 0;
            for (int t = 0; t < w.count()[i]; t++) {
                sum += w.coefficients()[i * w.taps() + t];
            }
            assertEquals(1 << 22, sum, w.count()[i], "taps of output " + i + " sum to 1.0 within rounding");
        }
    }

    @Test
    void regionOutsideTheResultIsRejected() {
        Pixels8 src = random(10, 10, 1, 3);
        assertThrows(IllegalArgumentException.class, () -> PillowBilinearResampler.resize(src, 5, 5, 1, 0, 5, 5));
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
