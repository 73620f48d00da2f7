package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The real Fashion-MNIST test set, as installed by Debian's dataset-fashion-mnist package, if present. */
class FashionMnistTest {

    private static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void readsTheTestSet() throws Exception {
        Path imagesPath = DIR.resolve("t10k-images-idx3-ubyte.gz");
        Path labelsPath = DIR.resolve("t10k-labels-idx1-ubyte.gz");
        assumeTrue(Files.isReadable(imagesPath) && Files.isReadable(labelsPath),
                "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");

        IdxFile images = IdxFile.read(imagesPath);
        assertArrayEquals(new int[] {10_000, 28, 28}, images.dims());
        assertEquals(784, images.itemSize());

        IdxFile labels = IdxFile.read(labelsPath);
        assertArrayEquals(new int[] {10_000}, labels.dims());
        int[] perClass = new int[10];
        for (int i = 0; i < labels.count(); i++) {
            int label = labels.unsignedAt(i);
            assertTrue(label <= 9, "label " + label + " at " + i);
            perClass[label]++;
        }
        // The test set is balanced: 1,000 images of each of the 10 classes.
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, perClass);

        byte[] first = images.item(0);
        int max = 0;
        for (byte pixel : first) {
            max = Math.max(max, pixel & 0xFF);
        }
        assertTrue(max > 100, "the first image should not be blank");
        assertEquals(0, first[0], "the corner pixel of a Fashion-MNIST image is background");
    }
}
