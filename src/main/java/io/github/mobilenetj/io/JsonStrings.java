package io.github.mobilenetj.io;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Parses the JSON string arrays that safetensors metadata values carry, e.g. class labels. */
public final class JsonStrings {
    private JsonStrings() {
    }

    /**
     * The strings of a JSON array such as {@code ["T-shirt/top", "Trouser"]}.
     *
     * @throws IllegalArgumentException naming the offset when {@code json} is not an array of strings
     */
    public static List<String> parseArray(String json) {
        try {
            JsonReader reader = new JsonReader(json.getBytes(StandardCharsets.UTF_8));
            List<String> values = new ArrayList<>();
            reader.beginArray();
            while (reader.hasNext()) {
                values.add(reader.nextString());
            }
            reader.endArray();
            reader.endDocument();
            return List.copyOf(values);
        } catch (JsonSyntaxException e) {
            throw new IllegalArgumentException("not a JSON array of strings: " + e.getMessage(), e);
        }
    }
}
