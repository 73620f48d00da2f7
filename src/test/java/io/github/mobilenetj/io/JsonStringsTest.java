package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link JsonStrings#parseArray}: the label lists of self-describing weights files. */
class JsonStringsTest {

    @Test
    void plainArray() {
        assertEquals(List.of("T-shirt/top", "Trouser", "Ankle boot"),
                JsonStrings.parseArray("[\"T-shirt/top\", \"Trouser\", \"Ankle boot\"]"));
    }

    @Test
    void escapes() {
        String json = "[\"a\\\"b\", \"back\\\\slash\", \"\\/\", \"\\b\\f\\n\\r\\t\", \"\\u0041\\u00e9\\u4e2d\"]";
        assertEquals(List.of("a\"b", "back\\slash", "/", "\b\f\n\r\t", "Aé中"), JsonStrings.parseArray(json));
    }

    @Test
    void unicode() {
        // Raw UTF-8 (2, 3 and 4 bytes) and a surrogate pair escape give the same strings.
        assertEquals(List.of("café", "狗", "😀", "😀"), JsonStrings.parseArray("[\"café\",\"狗\",\"😀\",\"\\ud83d\\ude00\"]"));
        assertEquals(List.of("\u00a0x\u2028"), JsonStrings.parseArray("[\"\u00a0x\u2028\"]"));
    }

    @Test
    void emptyArrayAndEmptyStrings() {
        assertEquals(List.of(), JsonStrings.parseArray("[]"));
        assertEquals(List.of(), JsonStrings.parseArray(" \n[ \t]\r\n "));
        assertEquals(List.of("", " "), JsonStrings.parseArray("[\"\", \" \"]"));
    }

    @Test
    void whitespaceAroundEverything() {
        assertEquals(List.of("a", "b"), JsonStrings.parseArray("\n\t [ \"a\" ,\n \"b\" ] \n"));
    }

    @Test
    void resultIsUnmodifiable() {
        List<String> list = JsonStrings.parseArray("[\"a\"]");
        assertThrows(UnsupportedOperationException.class, () -> list.add("b"));
    }

    @ParameterizedTest(name = "[{index}] <{0}>")
    @ValueSource(strings = {
        // not an array
        "", " ", "\"a\"", "{\"a\": \"b\"}", "null", "42", "a, b", "T-shirt, Trouser",
        // something other than a string inside
        "[1]", "[\"a\", 2]", "[\"a\", null]", "[true]", "[[\"a\"]]", "[{\"a\": \"b\"}]", "[\"a\", -0.5]",
        // trailing garbage
        "[\"a\"] x", "[\"a\"][\"b\"]", "[\"a\"],", "[] []",
        // unterminated
        "[", "[\"a\"", "[\"a\",", "[\"a", "[\"a\\", "[\"a\\u00",
        // malformed inside
        "[\"a\",]", "[,\"a\"]", "[\"a\" \"b\"]", "['a']", "[\"bad \\x escape\"]", "[\"\\ud83d\"]",
        "[\"tab\tinside\"]",
    })
    void rejected(String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonStrings.parseArray(json));
        assertTrue(e.getMessage().startsWith("not a JSON array of strings: "), e.getMessage());
        assertTrue(e.getMessage().matches(".* at offset \\d+$"), e.getMessage());
    }

    @Test
    void offsetOfTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonStrings.parseArray("[\"a\", 7]"));
        assertTrue(e.getMessage().endsWith("at offset 6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> JsonStrings.parseArray("[\"a\"] x"));
        assertTrue(e.getMessage().endsWith("at offset 6"), e.getMessage());
    }

    @Test
    void nullInputIsAProgrammingError() {
        assertThrows(NullPointerException.class, () -> JsonStrings.parseArray(null));
    }
}
