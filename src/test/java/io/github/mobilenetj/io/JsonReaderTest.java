package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonReaderTest {

    private static JsonReader reader(String json) throws JsonSyntaxException {
        return new JsonReader(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads the whole document, skipping its value, and returns the error it raises. */
    private static JsonSyntaxException rejection(byte[] json) {
        return assertThrows(JsonSyntaxException.class, () -> {
            JsonReader reader = new JsonReader(json);
            reader.skipValue();
            reader.endDocument();
        });
    }

    private static JsonSyntaxException rejection(String json) {
        return rejection(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void walksEveryKindOfValue() throws Exception {
        JsonReader json = reader(" {\"a\" : [1, -2.5e1, true, false, null, \"s\", {}, []], \"b\":{\"c\":0}}\n");
        json.beginObject();
        assertEquals("a", json.nextName());
        json.beginArray();
        assertEquals(1L, json.nextNumber());
        assertEquals(-25.0, json.nextNumber());
        assertTrue(json.nextBoolean());
        assertFalse(json.nextBoolean());
        json.nextNull();
        assertEquals("s", json.nextString());
        json.beginObject();
        json.endObject();
        json.beginArray();
        assertFalse(json.hasNext());
        json.endArray();
        assertFalse(json.hasNext());
        json.endArray();
        assertEquals("b", json.nextName());
        json.skipValue();
        assertFalse(json.hasNext());
        json.endObject();
        json.endDocument();
    }

    @Test
    void decodesAllEscapesAndRawUtf8() throws Exception {
        String json = "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\uD83D\\uDE00 ü€😀\"";
        assertEquals("q\" b\\ s/ \b\f\n\r\t é \uD83D\uDE00 ü€😀", reader(json).nextString());
    }

    @Test
    void parsesIntegersAsLongsUpToTheirLimits() throws Exception {
        assertEquals(Long.MAX_VALUE, reader("9223372036854775807").nextLong());
        assertEquals(Long.MIN_VALUE, reader("-9223372036854775808").nextLong());
        assertEquals(0L, reader("-0").nextLong());
        assertEquals(0.5, reader("0.5").nextNumber());
        assertEquals(1e300, reader("1E+300").nextNumber());
    }

    @Test
    void reportsTheOffsetOfTheOffendingToken() throws Exception {
        JsonReader json = reader("[1, \"x\"]");
        json.beginArray();
        json.nextLong();
        assertEquals(4, json.tokenOffset());
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, json::nextLong);
        assertEquals(4, e.offset());
        assertTrue(e.getMessage().contains("expected a number but found a string"), e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "''                          | 0 | expected a value but found the end of the input",
        "'\"abc'                     | 0 | unterminated string",
        "'{\"a\":1} x'               | 8 | unexpected data after the top-level value",
        "'[1,]'                      | 3 | expected a value but found ']'",
        "'{\"a\":1,}'                | 7 | expected a string key but found '}'",
        "'{\"a\" 1}'                 | 5 | expected ':' but found '1'",
        "'[1 2]'                     | 3 | expected ',' or ']' but found '2'",
        "'{a:1}'                     | 1 | expected a string key but found 'a'",
        "'01'                        | 0 | leading zeros",
        "'1.'                        | 2 | expected a digit after the decimal point",
        "'1e'                        | 2 | expected a digit in the exponent",
        "'-'                         | 1 | expected a digit",
        "'+1'                        | 0 | expected a value but found '+'",
        "'9223372036854775808'       | 0 | does not fit in 64 bits",
        "'-9223372036854775809'      | 0 | does not fit in 64 bits",
        "'1e999'                     | 0 | out of the range of a double",
        "'tru'                       | 0 | invalid literal",
        "'nul'                       | 0 | invalid literal",
        "'\"\\x\"'                   | 1 | invalid escape character 'x'",
        "'\"\\u12\"'                 | 1 | truncated \\u escape",
        "'\"\\u12zz\"'               | 1 | invalid \\u escape",
        "'\"\\uD83D\"'               | 1 | unpaired surrogate \\uD83D",
        "'\"\\uDE00\"'               | 1 | unpaired surrogate \\uDE00",
        "'\"\\uD83D\\u0041\"'        | 1 | unpaired surrogate \\uD83D",
        "'NaN'                       | 0 | expected a value but found 'N'",
        "'// comment'                | 0 | expected a value but found '/'",
    })
    void rejectsInvalidSyntaxWithItsOffset(String json, long offset, String reason) {
        JsonSyntaxException e = rejection(json);
        assertTrue(e.reason().contains(reason), () -> "'" + json + "': " + e.getMessage());
        assertEquals(offset, e.offset(), () -> "'" + json + "': " + e.getMessage());
    }

    @Test
    void rejectsUnescapedControlCharacters() {
        JsonSyntaxException e = rejection("\"a\tb\"");
        assertEquals(2, e.offset());
        assertTrue(e.reason().contains("control character 0x09"), e.getMessage());
    }

    @Test
    void rejectsInvalidUtf8BeforeParsing() {
        byte[] overlong = {'"', (byte) 0xC0, (byte) 0xAF, '"'};
        byte[] encodedSurrogate = {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'};
        byte[] truncated = {'"', 'a', (byte) 0xE2, (byte) 0x82};
        byte[] stray = {'[', '1', ']', (byte) 0xFF};
        assertEquals(1, rejection(overlong).offset());
        assertEquals(1, rejection(encodedSurrogate).offset());
        assertEquals(2, rejection(truncated).offset());
        JsonSyntaxException e = rejection(stray);
        assertEquals(3, e.offset());
        assertTrue(e.reason().contains("UTF-8"), e.getMessage());
    }

    @Test
    void limitsNestingWithoutRecursion() {
        JsonSyntaxException e = rejection("[".repeat(100_000));
        assertTrue(e.reason().contains("nesting deeper than 64"), e.getMessage());
        assertEquals(64, e.offset());
        assertThrows(JsonSyntaxException.class,
                () -> new JsonReader("[[]]".getBytes(StandardCharsets.US_ASCII), 1).skipValue());
    }

    @Test
    void admitsNestingUpToTheLimit() throws Exception {
        JsonReader json = new JsonReader(("[".repeat(64) + "]".repeat(64)).getBytes(StandardCharsets.US_ASCII));
        json.skipValue();
        json.endDocument();
    }

    @Test
    void nextLongRejectsFractions() {
        JsonSyntaxException e = assertThrows(JsonSyntaxException.class, () -> reader("2.0").nextLong());
        assertTrue(e.reason().contains("expected an integer but found 2.0"), e.getMessage());
    }
}
