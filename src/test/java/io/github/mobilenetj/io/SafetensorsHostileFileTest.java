package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Malformed and hostile files: each must be rejected with a message that says what is wrong. */
class SafetensorsHostileFileTest {

    private static final String F32_2 = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":";

    @TempDir
    Path dir;

    /** Opens the bytes as a file and returns the message of the exception, which must name the file. */
    private String rejection(byte[] content) {
        Path path = SafetensorsBytes.write(dir, "hostile.safetensors", content);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(path).close());
        assertTrue(e.getMessage().startsWith(path.toString() + ": "), e.getMessage());
        return e.getMessage();
    }

    private String rejection(String header, int dataBytes) {
        return rejection(SafetensorsBytes.file(header, new byte[dataBytes]));
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void fileShorterThanTheLengthPrefix() {
        assertMentions(rejection(new byte[5]), "5 bytes", "8 bytes");
        assertMentions(rejection(new byte[0]), "0 bytes");
    }

    @Test
    void headerLengthBeyondTheFile() {
        byte[] content = new byte[8 + 10];
        System.arraycopy(SafetensorsBytes.littleEndianLong(100), 0, content, 0, 8);
        assertMentions(rejection(content), "header length 100", "10 bytes", "file size 18");
    }

    @Test
    void hugeHeaderLengths() {
        assertMentions(rejection(SafetensorsBytes.littleEndianLong(Long.MAX_VALUE)),
                "header length 9223372036854775807", "limit of 100000000");
        assertMentions(rejection(SafetensorsBytes.littleEndianLong(-1)), "header length 18446744073709551615");
        assertMentions(rejection(SafetensorsBytes.littleEndianLong(100_000_001)), "header length 100000001");
    }

    @Test
    void headerThatIsNotUtf8() {
        byte[] header = "{\"a\u00ff\":{}}".getBytes(StandardCharsets.ISO_8859_1);
        assertMentions(rejection(SafetensorsBytes.file(header, new byte[0])), "UTF-8", "file offset 11");
    }

    @Test
    void unterminatedString() {
        assertMentions(rejection("{\"abc", 0), "malformed JSON header", "unterminated string", "file offset 9");
    }

    @Test
    void trailingGarbage() {
        assertMentions(rejection("{} {}", 0), "unexpected data after the top-level value", "file offset 11");
    }

    @Test
    void deepNesting() {
        // Only values the reader skips can nest: everything else has a fixed structure.
        assertMentions(rejection("{\"a\":" + F32_2 + "[0,8],\"x\":" + "[".repeat(100_000) + "}}", 8),
                "nesting deeper than 64", "file offset");
        assertMentions(rejection("{\"a\":{\"x\":" + "{\"y\":".repeat(100_000), 0), "nesting deeper than 64");
    }

    @Test
    void headerThatIsNotAnObject() {
        assertMentions(rejection("[]", 0), "header must be a JSON object but is an array", "file offset 8");
        assertMentions(rejection("", 0), "expected a value but found the end of the input");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "missing dtype      | {\"t\":{\"shape\":[2],\"data_offsets\":[0,8]}}                         | tensor 't': missing field 'dtype'",
        "missing shape      | {\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}                     | tensor 't': missing field 'shape'",
        "missing offsets    | {\"t\":{\"dtype\":\"F32\",\"shape\":[2]}}                              | tensor 't': missing field 'data_offsets'",
        "entry not object   | {\"t\":[1]}                                                            | tensor 't': entry must be an object but is an array",
        "dtype not string   | {\"t\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}             | tensor 't': dtype must be a string but is a number",
        "shape not array    | {\"t\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}     | tensor 't': shape must be an array of integers but is a string",
        "shape fraction     | {\"t\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}     | tensor 't': shape must hold integers but holds 2.0",
        "shape null         | {\"t\":{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,8]}}    | tensor 't': shape must hold integers but holds null",
        "three offsets      | {\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}}     | tensor 't': data_offsets has more than 2 elements",
        "one offset         | {\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}         | tensor 't': data_offsets must hold 2 integers [begin, end] but holds 1",
        "negative offset    | {\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}      | tensor 't': data_offsets[0] is negative: -8",
        "offset too big     | {\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}} | does not fit in 64 bits",
        "negative dim       | {\"t\":{\"dtype\":\"F32\",\"shape\":[2,-3],\"data_offsets\":[0,8]}}    | tensor 't': shape[1] is negative: -3",
        "unknown dtype      | {\"t\":{\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,8]}}      | tensor 't': unknown dtype 'F128'",
        "lowercase dtype    | {\"t\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}       | tensor 't': unknown dtype 'f32'",
        "duplicate name     | {\"t\":" + F32_2 + "[0,8]},\"t\":" + F32_2 + "[0,8]}}                    | duplicate tensor name 't'",
        "duplicate field    | {\"t\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} | tensor 't': duplicate field 'dtype'",
        "duplicate metadata | {\"__metadata__\":{},\"__metadata__\":{}}                                | duplicate key '__metadata__'",
        "duplicate meta key | {\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}                              | duplicate key 'k' in '__metadata__'",
        "metadata not obj   | {\"__metadata__\":[]}                                                  | '__metadata__' must be an object of strings but is an array",
        "metadata number    | {\"__metadata__\":{\"k\":1}}                                           | '__metadata__' value of 'k' must be a string but is a number",
    })
    void malformedEntries(String description, String header, String problem) {
        assertMentions(rejection(header, 8), problem, "file offset");
    }

    @Test
    void namesTheFileOffsetOfTheOffendingEntry() {
        String header = "{\"a\":" + F32_2 + "[0,8]},\"b\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        int offsetOfB = 8 + header.indexOf("\"b\"");
        int offsetOfDtype = 8 + header.indexOf("\"Q4\"");
        assertMentions(rejection(header, 16), "tensor 'b'", "unknown dtype 'Q4'", "file offset " + offsetOfDtype);
        String overlap = "{\"a\":" + F32_2 + "[0,8]},\"b\":" + F32_2 + "[4,12]}}";
        assertMentions(rejection(overlap, 12), "file offset " + (8 + overlap.indexOf("\"b\"")));
        assertTrue(offsetOfB > 8);
    }

    @Test
    void byteSizeOverflow() {
        String header = "{\"t\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,8]}}";
        assertMentions(rejection(header, 8), "tensor 't'", "[1099511627776, 1099511627776]", "overflows");
        String byDtype = "{\"t\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,8]}}";
        assertMentions(rejection(byDtype, 8), "tensor 't'", "overflows");
    }

    @Test
    void byteRangeThatDoesNotMatchTheShape() {
        assertMentions(rejection("{\"t\":" + F32_2 + "[0,12]}}", 12),
                "tensor 't'", "data_offsets [0, 12] span 12 bytes but shape [2] of F32 needs 8");
    }

    @Test
    void offsetsBeyondTheDataSection() {
        assertMentions(rejection("{\"t\":" + F32_2 + "[8,16]}}", 8),
                "tensor 't'", "data_offsets [8, 16] reach beyond the data section, which has 8 bytes");
        assertMentions(rejection("{\"t\":" + F32_2 + "[9223372036854775800,9223372036854775807]}}", 8),
                "tensor 't'", "beyond the data section");
    }

    @Test
    void offsetsThatEndBeforeTheyBegin() {
        assertMentions(rejection("{\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8),
                "tensor 't'", "data_offsets [8, 0] end before they begin");
    }

    @Test
    void overlappingTensors() {
        assertMentions(rejection("{\"a\":" + F32_2 + "[0,8]},\"b\":" + F32_2 + "[4,12]}}", 12),
                "tensor 'b'", "overlap those of tensor 'a' [0, 8]");
        assertMentions(rejection("{\"a\":" + F32_2 + "[0,8]},\"b\":" + F32_2 + "[0,8]}}", 8),
                "overlap");
    }

    @Test
    void gapBetweenTensors() {
        String header = "{\"a\":" + F32_2 + "[0,8]},\"b\":" + F32_2 + "[12,20]}}";
        assertMentions(rejection(header, 20), "data section bytes [8, 12) belong to no tensor",
                "gap before tensor 'b'", "file offset " + (8 + header.length() + 8));
        assertMentions(rejection("{\"a\":" + F32_2 + "[4,12]}}", 12), "bytes [0, 4) belong to no tensor");
    }

    @Test
    void trailingBytesAfterTheLastTensor() {
        assertMentions(rejection("{\"a\":" + F32_2 + "[0,8]}}", 12),
                "data section has 12 bytes but the tensors cover only 8");
        assertMentions(rejection("{}", 1), "data section has 1 bytes but the tensors cover only 0");
    }
}
