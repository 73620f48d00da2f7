package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every transform against the output of the real Pillow/torchvision/torch pipeline, and Pillow's
 * 8-bit resampling alone against {@code Image.resize}.
 */
class TorchvisionReferenceTest {

    static List<Fixtures.Case> cases() {
        return Fixtures.cases("imagenet", "pad", "interp");
    }

    static List<Fixtures.Case> resizeCases() {
        return Fixtures.cases("resize");
    }

    @Test
    void everyCaseIsChecked() {
        assertEquals(Fixtures.cases().size(), cases().size() + resizeCases().size(), "a fixture kind is not tested");
        assertTrue(cases().stream()
                .filter(c -> c.kind().equals("imagenet") && c.interpolation() == ImageNetTransform.Interpolation.BICUBIC)
                .count() >= 10);
        assertTrue(resizeCases().size() >= 10);
    }

    /** {@code Image.open(p).convert(mode).resize((w, h), filter)}, byte for byte. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("resizeCases")
    void resamplerMatchesPillowBitForBit(Fixtures.Case fixture) throws IOException {
        int width = fixture.integer("width");
        int height = fixture.integer("height");
        int channels = fixture.integer("channels");
        PillowResampler.Filter filter = PillowResampler.Filter.valueOf(
                fixture.fields().get("filter").toUpperCase(Locale.ROOT));
        Pixels8 src = ModeConversion.convert(ImageFiles.read(Fixtures.path(fixture.image())), channels);
        Pixels8 out = PillowResampler.resize(src, filter, width, height, 0, 0, width, height);

        byte[] expected = Fixtures.bytes(fixture.name() + ".u8");
        byte[] actual = ModeConversionTest.interleaved(out);
        assertEquals(expected.length, actual.length, fixture.name() + ": bytes");
        int different = 0;
        int maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            int d = Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF));
            different += d != 0 ? 1 : 0;
            maxDiff = Math.max(maxDiff, d);
        }
        System.out.printf("%-32s max |java - pillow| = %d, %d of %d bytes differ%n",
                fixture.name(), maxDiff, different, expected.length);
        assertArrayEquals(expected, actual, fixture.name() + ": expected Pillow's bytes");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTorchvisionBitForBit(Fixtures.Case fixture) throws IOException {
        ImageTransform transform = fixture.transform();
        assertEquals(fixture.integer("channels"), transform.channels(), "channels");

        float[] actual = transform.apply(Fixtures.path(fixture.image()));
        float[] expected = fixture.expected();

        float maxDiff = Fixtures.maxAbsDiff(expected, actual);
        int different = Fixtures.countDifferent(expected, actual);
        System.out.printf("%-24s max |java - torch| = %.3g, %d of %d values differ%n",
                fixture.name(), maxDiff, different, expected.length);
        assertTrue(maxDiff <= 1e-5f, fixture.name() + ": max abs diff " + maxDiff + " > 1e-5");
        assertEquals(0, different, fixture.name() + ": expected bit-identical output");
    }
}
