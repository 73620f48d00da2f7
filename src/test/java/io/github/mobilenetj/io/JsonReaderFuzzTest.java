package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the JSON reader (Jazzer) and of {@link JsonStrings}.
 *
 * <p>Properties: only {@link JsonSyntaxException} escapes, at an offset inside the input; walking every
 * token and skipping the top-level value with {@link JsonReader#skipValue()} accept exactly the same
 * documents; {@link JsonStrings#parseArray} throws only {@link IllegalArgumentException}.
 */
class JsonReaderFuzzTest {

    @FuzzTest
    void walk(byte[] data) {
        Boolean walked = outcome(data, false);
        Boolean skipped = outcome(data, true);
        assertEquals(walked, skipped, "walking and skipping disagree");
        String text = new String(data, StandardCharsets.UTF_8);
        try {
            JsonStrings.parseArray(text);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith("not a JSON array of strings: "), e.getMessage());
        }
    }

    /** True if the document is accepted, false if rejected. */
    private static Boolean outcome(byte[] data, boolean skip) {
        try {
            JsonReader json = new JsonReader(data);
            if (skip) {
                json.skipValue();
            } else {
                walkAll(json);
            }
            json.endDocument();
            return true;
        } catch (JsonSyntaxException e) {
            assertTrue(e.offset() >= 0 && e.offset() <= data.length, () -> "offset " + e.offset() + " of "
                    + data.length);
            return false;
        }
    }

    private static void walkAll(JsonReader json) throws JsonSyntaxException {
        int depth = 0;
        do {
            switch (json.peek()) {
                case BEGIN_OBJECT -> {
                    json.beginObject();
                    depth++;
                }
                case BEGIN_ARRAY -> {
                    json.beginArray();
                    depth++;
                }
                case END_OBJECT -> {
                    json.endObject();
                    depth--;
                }
                case END_ARRAY -> {
                    json.endArray();
                    depth--;
                }
                case NAME -> json.nextName();
                case STRING -> json.nextString();
                case NUMBER -> {
                    Number number = json.nextNumber();
                    assertTrue(number instanceof Long || Double.isFinite(number.doubleValue()), number::toString);
                }
                case BOOLEAN -> json.nextBoolean();
                case NULL -> json.nextNull();
                case END_DOCUMENT -> {
                    return;
                }
            }
        } while (depth > 0);
    }
}
