package io.github.mobilenetj.reference;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class ProtoWriterTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    @Test
    void varints() {
        assertArrayEquals(bytes(0x00), new ProtoWriter().varint(0).toByteArray());
        assertArrayEquals(bytes(0x01), new ProtoWriter().varint(1).toByteArray());
        assertArrayEquals(bytes(0x7F), new ProtoWriter().varint(127).toByteArray());
        assertArrayEquals(bytes(0x80, 0x01), new ProtoWriter().varint(128).toByteArray());
        assertArrayEquals(bytes(0xAC, 0x02), new ProtoWriter().varint(300).toByteArray());
        assertArrayEquals(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
                new ProtoWriter().varint(-1).toByteArray());
    }

    @Test
    void fields() {
        // The protobuf documentation's examples: field 1 = 150 -> 08 96 01; field 2 = "testing" -> 12 07 74 65 73 74 69 6e 67.
        assertArrayEquals(bytes(0x08, 0x96, 0x01), new ProtoWriter().int64(1, 150).toByteArray());
        assertArrayEquals(bytes(0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'), new ProtoWriter().string(2, "testing").toByteArray());
        // Embedded message: field 3 = {1: 150} -> 1a 03 08 96 01.
        assertArrayEquals(bytes(0x1A, 0x03, 0x08, 0x96, 0x01),
                new ProtoWriter().message(3, new ProtoWriter().int64(1, 150)).toByteArray());
        // Field 20, wire type 0: key 160 -> a0 01.
        assertArrayEquals(bytes(0xA0, 0x01, 0x02), new ProtoWriter().int64(20, 2).toByteArray());
        // float 1.0f = 0x3f800000 little-endian, wire type 5.
        assertArrayEquals(bytes(0x15, 0x00, 0x00, 0x80, 0x3F), new ProtoWriter().float32(2, 1f).toByteArray());
        assertArrayEquals(bytes(0x08, 0x03, 0x08, 0x8E, 0x02), new ProtoWriter().repeatedInt64(1, 3, 270).toByteArray());
        // The documentation's packed example: field 4 = [3, 270, 86942] -> 22 06 03 8e 02 9e a7 05.
        assertArrayEquals(bytes(0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05),
                new ProtoWriter().packedInt64(4, 3, 270, 86942).toByteArray());
        assertArrayEquals(bytes(0x22, 0x08, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0), new ProtoWriter().packedFloat(4, 1f, -2f).toByteArray());
    }

    @Test
    void onnxAttributes() {
        // name "axis" (0a 04 ...), i = 1 (18 01), type INT (a0 01 02)
        assertArrayEquals(bytes(0x0A, 0x04, 'a', 'x', 'i', 's', 0x18, 0x01, 0xA0, 0x01, 0x02),
                ProtoWriter.intAttribute("axis", 1).toByteArray());
        // name "p", ints 0 and 3 (40 00 40 03), type INTS (a0 01 07)
        assertArrayEquals(bytes(0x0A, 0x01, 'p', 0x40, 0x00, 0x40, 0x03, 0xA0, 0x01, 0x07),
                ProtoWriter.intsAttribute("p", 0, 3).toByteArray());
        // name "e", f = 0.5f (15 00 00 00 3f), type FLOAT (a0 01 01)
        assertArrayEquals(bytes(0x0A, 0x01, 'e', 0x15, 0x00, 0x00, 0x00, 0x3F, 0xA0, 0x01, 0x01),
                ProtoWriter.floatAttribute("e", 0.5f).toByteArray());
    }
}
