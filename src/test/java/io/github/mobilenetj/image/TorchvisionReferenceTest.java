package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every transform against the output of the real Pillow/torchvision/torch pipeline. */
class TorchvisionReferenceTest {

    static List<Fixtures.Case> cases() {
        return Fixtures.cases();
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
