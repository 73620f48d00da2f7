package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Coverage-guided fuzzing of the preprocessing (Jazzer): images of every {@link BufferedImage} type the
 * decoders produce, of any size from 1 x 1 and any content, through every transform with any sizes and
 * normalisation.
 *
 * <p>Properties, each independent of the implementation: the only exception is the documented
 * {@link IllegalArgumentException} of {@link PadTransform} for an image larger than its target; every
 * output value lies in {@code [(0 - mean) / std, (1 - mean) / std]} of its channel, since resampling with
 * non-negative weights cannot leave the range of the pixels; CHW and HWC hold the same values transposed;
 * {@code float[]}, {@link FloatBuffer} and {@link MemorySegment} destinations get the same values.
 */
class ImageTransformFuzzTest {

    private static final int[] TYPES = {
        BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_RGB,
        BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_INT_BGR, BufferedImage.TYPE_BYTE_GRAY,
        BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_BYTE_BINARY, BufferedImage.TYPE_BYTE_INDEXED,
        BufferedImage.TYPE_USHORT_565_RGB, BufferedImage.TYPE_USHORT_555_RGB, BufferedImage.TYPE_4BYTE_ABGR_PRE,
        BufferedImage.TYPE_INT_ARGB_PRE,
    };

    @FuzzTest
    void transform(FuzzedDataProvider data) {
        BufferedImage image = image(data);
        Normalization normalization = normalization(data);
        ImageTransform transform = switch (data.consumeInt(0, 2)) {
            case 0 -> ImageNetTransform.of(data.consumeInt(1, 80), data.consumeInt(1, 64), normalization);
            case 1 -> ResizeBilinearTransform.of(data.consumeInt(1, 64), data.consumeInt(1, 64), normalization);
            default -> PadTransform.of(data.consumeInt(1, 64), data.consumeInt(1, 64), normalization);
        };
        if (transform instanceof PadTransform
                && (image.getWidth() > transform.width() || image.getHeight() > transform.height())) {
            assertThrows(IllegalArgumentException.class, () -> transform.apply(image, PixelLayout.CHW));
            return;
        }
        float[] chw = transform.apply(image, PixelLayout.CHW);
        float[] hwc = transform.apply(image, PixelLayout.HWC);
        int channels = transform.channels();
        int plane = transform.height() * transform.width();
        for (int channel = 0; channel < channels; channel++) {
            int c = channel;
            float mean = normalization.mean(c);
            float std = normalization.std(c);
            float low = (0 - mean) / std;
            float high = (1 - mean) / std;
            float slack = 1e-4f * Math.max(1, Math.max(Math.abs(low), Math.abs(high)));
            for (int p = 0; p < plane; p++) {
                float v = chw[c * plane + p];
                assertTrue(v >= low - slack && v <= high + slack, () -> "value " + v + " outside [" + low + ", "
                        + high + "] in channel " + c + " of " + transform + " on " + image);
                assertEquals(v, hwc[p * channels + c], "CHW and HWC differ");
            }
        }
        FloatBuffer buffer = ByteBuffer.allocateDirect(4 * chw.length + 12).order(ByteOrder.BIG_ENDIAN).asFloatBuffer();
        buffer.position(3);
        transform.apply(image, PixelLayout.CHW, buffer);
        assertEquals(3 + chw.length, buffer.position());
        float[] fromBuffer = new float[chw.length];
        buffer.get(3, fromBuffer);
        assertArrayEquals(chw, fromBuffer, "FloatBuffer destination");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(4L * chw.length + 3);
            transform.apply(image, PixelLayout.CHW, segment, 3);
            assertArrayEquals(chw, segment.asSlice(3).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED),
                    "MemorySegment destination");
        }
    }

    private static Normalization normalization(FuzzedDataProvider data) {
        int channels = data.consumeBoolean() ? 3 : 1;
        float[] mean = new float[channels];
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = data.consumeRegularFloat(-2f, 2f);
            std[c] = data.consumeRegularFloat(0.01f, 4f);
        }
        return Normalization.of(mean, std);
    }

    private static BufferedImage image(FuzzedDataProvider data) {
        int type = TYPES[data.consumeInt(0, TYPES.length - 1)];
        int width = data.consumeInt(1, 48);
        int height = data.consumeInt(1, 48);
        BufferedImage image;
        if (type == BufferedImage.TYPE_BYTE_INDEXED && data.consumeBoolean()) {
            int size = data.consumeInt(1, 256);
            byte[] r = data.consumeBytes(size);
            byte[] g = data.consumeBytes(size);
            byte[] b = data.consumeBytes(size);
            image = new BufferedImage(width, height, type, new IndexColorModel(8, size, pad(r, size), pad(g, size),
                    pad(b, size)));
        } else {
            image = new BufferedImage(width, height, type);
        }
        WritableRaster raster = image.getRaster();
        int bands = raster.getNumBands();
        int[] pixel = new int[bands];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int b = 0; b < bands; b++) {
                    int bits = raster.getSampleModel().getSampleSize(b);
                    pixel[b] = data.remainingBytes() > 0 ? data.consumeInt(0, (1 << bits) - 1) : (x * 31 + y * 17) & 1;
                }
                if (image.getColorModel() instanceof IndexColorModel icm) {
                    pixel[0] = Math.min(pixel[0], icm.getMapSize() - 1);
                }
                raster.setPixel(x, y, pixel);
            }
        }
        return image;
    }

    private static byte[] pad(byte[] bytes, int size) {
        return bytes.length == size ? bytes : java.util.Arrays.copyOf(bytes, size);
    }
}
