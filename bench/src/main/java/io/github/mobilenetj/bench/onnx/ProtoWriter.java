package io.github.mobilenetj.bench.onnx;

// Copied from src/test/java/io/github/mobilenetj/reference/ProtoWriter.java (test scope of the root project); keep in sync.

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A minimal hand-written encoder for the protobuf wire format, enough to emit ONNX models without a
 * protobuf library.
 *
 * <p>Wire format recap: every field is a key {@code (fieldNumber << 3) | wireType} written as a
 * varint, followed by the value: wire type 0 = varint (int32/int64/enum; negative numbers take 10
 * bytes, two's complement), 1 = 8 bytes little-endian, 2 = length-delimited (varint length, then
 * the bytes: strings, bytes, nested messages, packed repeated scalars), 5 = 4 bytes little-endian
 * (float, fixed32).
 *
 * <p>The static {@code *Attribute} helpers build ONNX {@code AttributeProto} messages (field
 * numbers from onnx/onnx.proto: name = 1, f = 2, i = 3, ints = 8, type = 20; AttributeType FLOAT =
 * 1, INT = 2, INTS = 7).
 */
public final class ProtoWriter {

    public static final int WIRE_VARINT = 0;
    public static final int WIRE_I64 = 1;
    public static final int WIRE_LEN = 2;
    public static final int WIRE_I32 = 5;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Writes an unsigned LEB128 varint (negative values are encoded as their 64-bit two's complement: 10 bytes). */
    public ProtoWriter varint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    /** Writes a field key. */
    public ProtoWriter tag(int field, int wireType) {
        if (field < 1 || wireType < 0 || wireType > 5) {
            throw new IllegalArgumentException("bad field " + field + " / wire type " + wireType);
        }
        return varint(((long) field << 3) | wireType);
    }

    /** An int64 (or int32, enum, bool) field, varint encoded; int32 negatives are sign-extended as protobuf does. */
    public ProtoWriter int64(int field, long value) {
        tag(field, WIRE_VARINT);
        return varint(value);
    }

    /** A length-delimited field holding the given raw bytes. */
    public ProtoWriter bytes(int field, byte[] value) {
        tag(field, WIRE_LEN);
        varint(value.length);
        out.writeBytes(value);
        return this;
    }

    /** A string field (UTF-8). An empty string is written too (explicit presence, proto2 style). */
    public ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /** An embedded message field. */
    public ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** A float field (wire type 5, little-endian IEEE 754). */
    public ProtoWriter float32(int field, float value) {
        tag(field, WIRE_I32);
        int bits = Float.floatToRawIntBits(value);
        out.write(bits & 0xFF);
        out.write((bits >>> 8) & 0xFF);
        out.write((bits >>> 16) & 0xFF);
        out.write((bits >>> 24) & 0xFF);
        return this;
    }

    /** A repeated int64 field in the unpacked (proto2 default) form: one key per element. */
    public ProtoWriter repeatedInt64(int field, long... values) {
        for (long v : values) {
            int64(field, v);
        }
        return this;
    }

    /** A repeated int64 field in the packed form: one length-delimited record of varints. */
    public ProtoWriter packedInt64(int field, long... values) {
        ProtoWriter body = new ProtoWriter();
        for (long v : values) {
            body.varint(v);
        }
        return bytes(field, body.toByteArray());
    }

    /** A repeated float field in the packed form: one length-delimited record of 4-byte little-endian floats. */
    public ProtoWriter packedFloat(int field, float... values) {
        return bytes(field, littleEndian(values));
    }

    /** Number of bytes written so far. */
    public int size() {
        return out.size();
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    /** The floats as little-endian IEEE 754 float32 bytes (the layout of ONNX {@code TensorProto.raw_data}). */
    public static byte[] littleEndian(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(Math.multiplyExact(values.length, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    // ---- ONNX AttributeProto helpers ----

    private static final int ATTR_NAME = 1;
    private static final int ATTR_F = 2;
    private static final int ATTR_I = 3;
    private static final int ATTR_INTS = 8;
    private static final int ATTR_TYPE = 20;
    private static final int ATTR_TYPE_FLOAT = 1;
    private static final int ATTR_TYPE_INT = 2;
    private static final int ATTR_TYPE_INTS = 7;

    /** An ONNX {@code AttributeProto} of type FLOAT. */
    public static ProtoWriter floatAttribute(String name, float value) {
        return new ProtoWriter().string(ATTR_NAME, name).float32(ATTR_F, value).int64(ATTR_TYPE, ATTR_TYPE_FLOAT);
    }

    /** An ONNX {@code AttributeProto} of type INT. */
    public static ProtoWriter intAttribute(String name, long value) {
        return new ProtoWriter().string(ATTR_NAME, name).int64(ATTR_I, value).int64(ATTR_TYPE, ATTR_TYPE_INT);
    }

    /** An ONNX {@code AttributeProto} of type INTS (written unpacked, as onnx.proto declares {@code repeated int64 ints = 8}). */
    public static ProtoWriter intsAttribute(String name, long... values) {
        return new ProtoWriter().string(ATTR_NAME, name).repeatedInt64(ATTR_INTS, values).int64(ATTR_TYPE, ATTR_TYPE_INTS);
    }
}
