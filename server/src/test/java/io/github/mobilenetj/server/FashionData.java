package io.github.mobilenetj.server;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Test support: the independent reference for the bundled model. The first Fashion-MNIST test
 * images (Debian's dataset-fashion-mnist, IDX format) and the logits PyTorch computed for them
 * from the same weights file (the library's test resource, written by train/export.py).
 */
final class FashionData {

    static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
    static final String LOGITS = "/io/github/mobilenetj/model/fashion-mnist-test-logits.safetensors";
    static final int CLASSES = 10;

    final byte[][] pixels;
    final float[] torchLogits;

    private FashionData(byte[][] pixels, float[] torchLogits) {
        this.pixels = pixels;
        this.torchLogits = torchLogits;
    }

    static boolean available() {
        return Files.isRegularFile(DATA.resolve("t10k-images-idx3-ubyte.gz"));
    }

    /** The first {@code count} test images and PyTorch's logits for them. */
    static FashionData load(int count) throws IOException {
        byte[][] pixels = new byte[count][];
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(
                Files.newInputStream(DATA.resolve("t10k-images-idx3-ubyte.gz"))))) {
            int magic = in.readInt();
            if (magic != 0x00000803) {
                throw new IOException("not an IDX3 unsigned-byte file: magic " + Integer.toHexString(magic));
            }
            in.readInt(); // count
            int rows = in.readInt();
            int cols = in.readInt();
            for (int i = 0; i < count; i++) {
                pixels[i] = in.readNBytes(rows * cols);
            }
        }
        byte[] file;
        try (InputStream in = FashionData.class.getResourceAsStream(LOGITS)) {
            if (in == null) {
                throw new IOException(LOGITS + " is not on the class path (the library's test jar)");
            }
            file = in.readAllBytes();
        }
        MemorySegment seg = MemorySegment.ofArray(file);
        long headerLength = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        @SuppressWarnings("unchecked")
        Map<String, Object> header = (Map<String, Object>) Json.parse(file, 8, (int) headerLength);
        @SuppressWarnings("unchecked")
        Map<String, Object> logits = (Map<String, Object>) header.get("logits");
        if (!"F32".equals(logits.get("dtype"))) {
            throw new IOException("reference logits are " + logits.get("dtype"));
        }
        @SuppressWarnings("unchecked")
        long begin = (Long) ((List<Object>) logits.get("data_offsets")).get(0);
        float[] all = new float[count * CLASSES];
        MemorySegment.copy(seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 8 + headerLength + begin,
                all, 0, all.length);
        return new FashionData(pixels, all);
    }

    BufferedImage image(int i) {
        BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        System.arraycopy(pixels[i], 0, ((DataBufferByte) gray.getRaster().getDataBuffer()).getData(), 0, 28 * 28);
        return gray;
    }

    byte[] png(int i) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image(i), "png", out);
        return out.toByteArray();
    }

    float[] logits(int from, int count) {
        return java.util.Arrays.copyOfRange(torchLogits, from * CLASSES, (from + count) * CLASSES);
    }

    static int argmax(float[] v, int offset, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    static void assertClose(float[] expected, float[] actual, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.length, actual.length, what + ": length");
        double scale = 0;
        double err = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            err = Math.max(err, Math.abs((double) expected[i] - actual[i]));
        }
        org.junit.jupiter.api.Assertions.assertTrue(scale > 0, what + ": reference all zero");
        org.junit.jupiter.api.Assertions.assertTrue(err <= 1e-4 * scale, what + ": max abs error " + err + " > 1e-4 x " + scale);
    }
}
