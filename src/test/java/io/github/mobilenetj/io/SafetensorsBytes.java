package io.github.mobilenetj.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Assembles safetensors files byte by byte, independently of {@link SafetensorsWriter}. */
final class SafetensorsBytes {

    private SafetensorsBytes() {
    }

    /** An 8-byte little-endian length, the header bytes, then the data. */
    static byte[] file(byte[] header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(littleEndianLong(header.length));
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] file(String header, byte[] data) {
        return file(header.getBytes(StandardCharsets.UTF_8), data);
    }

    static byte[] littleEndianLong(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    static byte[] floatsLE(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return buffer.array();
    }

    static byte[] shortsLE(int... values) {
        ByteBuffer buffer = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int value : values) {
            buffer.putShort((short) value);
        }
        return buffer.array();
    }

    static byte[] zeros(int count) {
        return new byte[count];
    }

    static Path write(Path dir, String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
