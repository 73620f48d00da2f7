package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** CHW vs HWC, and the float[] / FloatBuffer / MemorySegment destinations. */
class LayoutAndDestinationTest {
    private static BufferedImage image;

    @BeforeAll
    static void readImage() throws IOException {
        image = ImageFiles.read(Fixtures.path("rgb_300x200.jpg"));
    }

    static List<ImageTransform> transforms() {
        return List.of(
                ImageNetTransform.forResolution(32),
                ImageNetTransform.of(20, 16, Normalization.of(new float[] {0.5f}, new float[] {0.25f})),
                PadTransform.of(210, 305, Normalization.imageNet()),
                ResizeBilinearTransform.of(12, 20, Normalization.imageNet()),
                ResizeBilinearTransform.of(9, Normalization.none(1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transforms")
    void hwcIsTheTransposeOfChw(ImageTransform transform) {
        float[] chw = transform.apply(image, PixelLayout.CHW);
        float[] hwc = transform.apply(image, PixelLayout.HWC);
        int c = transform.channels();
        int h = transform.height();
        int w = transform.width();
        assertEquals(c * h * w, chw.length);
        float[] transposed = new float[chw.length];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    transposed[(y * w + x) * c + ch] = chw[(ch * h + y) * w + x];
                }
            }
        }
        assertArrayEquals(transposed, hwc);
    }

    @Test
    void layoutIndexFormulas() {
        assertEquals((2 * 5 + 3) * 7 + 4, PixelLayout.CHW.index(2, 3, 4, 3, 5, 7));
        assertEquals((3 * 7 + 4) * 3 + 2, PixelLayout.HWC.index(2, 3, 4, 3, 5, 7));
    }

    @Test
    void arrayOffsetLeavesTheRestUntouched() {
        ImageTransform transform = ImageNetTransform.forResolution(16);
        int n = transform.elementCount();
        float[] batch = new float[3 * n];
        Arrays.fill(batch, -99f);
        transform.apply(image, PixelLayout.CHW, batch, n);
        assertArrayEquals(transform.apply(image, PixelLayout.CHW), Arrays.copyOfRange(batch, n, 2 * n));
        assertEquals(-99f, batch[n - 1]);
        assertEquals(-99f, batch[2 * n]);
    }

    @Test
    void arrayTooSmallIsRejected() {
        ImageTransform transform = ImageNetTransform.forResolution(16);
        float[] dst = new float[transform.elementCount()];
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> transform.apply(image, PixelLayout.CHW, dst, 1));
        assertTrue(e.getMessage().contains("no room for 768 floats (3x16x16) at offset 1"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> transform.apply(image, PixelLayout.CHW, dst, -1));
    }

    @Test
    void floatBufferIsFilledFromItsPositionWhichAdvances() {
        ImageTransform transform = ResizeBilinearTransform.of(8, Normalization.imageNet());
        int n = transform.elementCount();
        FloatBuffer buffer = ByteBuffer.allocateDirect(4 * (2 * n + 1)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        buffer.position(1);
        transform.apply(image, PixelLayout.HWC, buffer);
        transform.apply(image, PixelLayout.HWC, buffer);
        assertEquals(2 * n + 1, buffer.position());
        float[] expected = transform.apply(image, PixelLayout.HWC);
        float[] second = new float[n];
        buffer.get(1 + n, second);
        assertArrayEquals(expected, second);
        buffer.position(n + 2); // n - 1 floats remain
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> transform.apply(image, PixelLayout.HWC, buffer));
        assertTrue(e.getMessage().contains("remaining"), e.getMessage());
        assertThrows(ReadOnlyBufferException.class,
                () -> transform.apply(image, PixelLayout.HWC, FloatBuffer.allocate(n).asReadOnlyBuffer()));
    }

    @Test
    void memorySegmentGetsNativeOrderFloatsAtAnyOffset() {
        ImageTransform transform = ImageNetTransform.forResolution(16);
        int n = transform.elementCount();
        float[] expected = transform.apply(image, PixelLayout.CHW);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(4L * n + 6);
            transform.apply(image, PixelLayout.CHW, segment, 6); // deliberately unaligned
            for (int i = 0; i < n; i++) {
                assertEquals(expected[i], segment.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 6 + 4L * i));
            }
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> transform.apply(image, PixelLayout.CHW, segment, 7));
            assertTrue(e.getMessage().contains("byte offset 7"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> transform.apply(image, PixelLayout.CHW, segment.asReadOnly(), 0));
        }
    }

    @Test
    void heapSegmentOfAFloatArrayWorksToo() {
        ImageTransform transform = PadTransform.of(305, Normalization.imageNet());
        float[] target = new float[transform.elementCount()];
        transform.apply(image, PixelLayout.CHW, MemorySegment.ofArray(target), 0);
        assertArrayEquals(transform.apply(image, PixelLayout.CHW), target);
    }
}
