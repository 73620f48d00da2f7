package io.github.mobilenetj.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes float tensors as a safetensors file that any conforming reader accepts.
 *
 * <p>Values are converted to their stored type on the fly: F16 rounds to nearest even (IEEE), BF16 too,
 * with NaN kept NaN. The file appears atomically: it is written to a temporary file in the same directory,
 * synced, then moved over the target, so readers never see a partial file.
 */
public final class SafetensorsWriter {

    private static final int BUFFER_BYTES = 1 << 16;

    private SafetensorsWriter() {
    }

    /**
     * Writes a file with the given metadata and tensors; the tensors' data follows in list order.
     *
     * @param path     the file to create or replace
     * @param metadata stored as {@code __metadata__} (omitted when empty), in the map's iteration order
     * @param tensors  the tensors, with distinct names
     * @throws IllegalArgumentException if two tensors share a name or a name or metadata string is not
     *                                  valid Unicode
     * @throws IOException              if the file cannot be written; the target is then left as it was
     */
    public static void write(Path path, Map<String, String> metadata, List<NamedTensor> tensors) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(tensors, "tensors");
        metadata.forEach((key, value) -> {
            Objects.requireNonNull(key, "metadata key");
            Objects.requireNonNull(value, () -> "metadata value of '" + key + "'");
        });
        List<NamedTensor> ordered = List.copyOf(tensors);
        byte[] header = HeaderBuilder.build(metadata, ordered);
        Path target = path.toAbsolutePath();
        // Next to the target so the final move stays within one file system and can be atomic. Not
        // Files.createTempFile: it would give the file owner-only permissions instead of the usual ones.
        Path temporary = target.resolveSibling("." + target.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                writeContents(channel, header, ordered);
                channel.force(true);
            }
            move(temporary, target);
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException suppressed) {
                failure.addSuppressed(suppressed);
            }
            throw failure;
        }
    }

    private static void writeContents(FileChannel channel, byte[] header, List<NamedTensor> tensors)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(header.length).flip();
        writeFully(channel, buffer);
        writeFully(channel, ByteBuffer.wrap(header));
        buffer.clear();
        for (NamedTensor tensor : tensors) {
            for (float value : tensor.values()) {
                if (buffer.remaining() < Float.BYTES) {
                    writeFully(channel, buffer.flip());
                    buffer.clear();
                }
                switch (tensor.dtype()) {
                    case F32 -> buffer.putFloat(value);
                    case F16 -> buffer.putShort(Float.floatToFloat16(value));
                    case BF16 -> buffer.putShort(Bfloat16.fromFloat(value));
                    case I8 -> buffer.put((byte) value);
                    default -> throw new IllegalStateException("NamedTensor admitted dtype " + tensor.dtype());
                }
            }
        }
        writeFully(channel, buffer.flip());
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void move(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
