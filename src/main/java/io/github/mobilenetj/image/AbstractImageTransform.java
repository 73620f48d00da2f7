package io.github.mobilenetj.image;

import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.FloatBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

/**
 * Shared part of this package's transforms: validates the destination and adapts it to a
 * {@link TensorWriter}, so each transform only implements {@link #transform}.
 */
abstract class AbstractImageTransform implements ImageTransform {
    private final int channels;
    private final int height;
    private final int width;

    AbstractImageTransform(int channels, int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("output size must be positive, got " + width + "x" + height);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        elementCount(); // fails fast on overflow
    }

    /** Writes the transformed {@code image} through {@code out}; every output value must be set. */
    abstract void transform(BufferedImage image, TensorWriter out);

    @Override
    public final int channels() {
        return channels;
    }

    @Override
    public final int height() {
        return height;
    }

    @Override
    public final int width() {
        return width;
    }

    @Override
    public final void apply(BufferedImage image, PixelLayout layout, float[] dst, int offset) {
        requireInputs(image, layout);
        Objects.requireNonNull(dst, "dst");
        int count = elementCount();
        if (offset < 0 || offset > dst.length - count) {
            throw new IndexOutOfBoundsException("float[" + dst.length + "] has no room for " + count + " floats ("
                    + shape() + ") at offset " + offset);
        }
        transform(image, writer(layout, (i, v) -> dst[offset + i] = v));
    }

    @Override
    public final void apply(BufferedImage image, PixelLayout layout, FloatBuffer dst) {
        requireInputs(image, layout);
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int count = elementCount();
        if (dst.remaining() < count) {
            throw new IllegalArgumentException("FloatBuffer has " + dst.remaining() + " floats remaining, needs "
                    + count + " (" + shape() + ")");
        }
        int start = dst.position();
        transform(image, writer(layout, (i, v) -> dst.put(start + i, v)));
        dst.position(start + count);
    }

    @Override
    public final void apply(BufferedImage image, PixelLayout layout, MemorySegment dst, long byteOffset) {
        requireInputs(image, layout);
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("MemorySegment is read-only");
        }
        long bytes = 4L * elementCount();
        if (byteOffset < 0 || byteOffset > dst.byteSize() - bytes) {
            throw new IndexOutOfBoundsException("MemorySegment of " + dst.byteSize() + " bytes has no room for "
                    + bytes + " bytes (" + shape() + " floats) at byte offset " + byteOffset);
        }
        transform(image, writer(layout, (i, v) -> dst.set(ValueLayout.JAVA_FLOAT_UNALIGNED, byteOffset + 4L * i, v)));
    }

    private TensorWriter writer(PixelLayout layout, TensorWriter.Sink sink) {
        return new TensorWriter(sink, layout, channels, height, width);
    }

    private static void requireInputs(BufferedImage image, PixelLayout layout) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(layout, "layout");
    }

    /** The output shape for messages, e.g. "3x224x224". */
    final String shape() {
        return channels + "x" + height + "x" + width;
    }
}
