package io.github.mobilenetj.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JSON header of a safetensors file into metadata and tensor entries, checking the structure
 * and types of every field as it goes. Whether the declared offsets fit the data is {@link DataLayout}'s
 * job.
 */
final class HeaderParser {

    /** The reserved key of the free-form string-to-string metadata. */
    static final String METADATA_KEY = "__metadata__";

    /** A parsed header: metadata (empty if absent) and tensor entries in header order. */
    record Result(Map<String, String> metadata, List<HeaderEntry> entries) {
    }

    /** Where arrays of integers are collected before being copied to their exact length. */
    private final long[] scratch = new long[SafetensorsFile.MAX_RANK];
    private final JsonReader json;
    private final long baseOffset;
    private final String fileName;

    private HeaderParser(JsonReader json, long baseOffset, String fileName) {
        this.json = json;
        this.baseOffset = baseOffset;
        this.fileName = fileName;
    }

    /**
     * Parses a header.
     *
     * @param header     the header's bytes
     * @param baseOffset the file offset of the header's first byte, so errors can give file offsets
     * @param fileName   the file's name for error messages
     * @throws SafetensorsException if the header is not UTF-8 JSON of the expected structure
     */
    static Result parse(byte[] header, long baseOffset, String fileName) throws SafetensorsException {
        try {
            return new HeaderParser(new JsonReader(header), baseOffset, fileName).readHeader();
        } catch (JsonSyntaxException e) {
            throw SafetensorsException.at(fileName, "malformed JSON header: " + e.reason(), baseOffset + e.offset());
        }
    }

    private Result readHeader() throws JsonSyntaxException, SafetensorsException {
        if (json.peek() != JsonReader.Token.BEGIN_OBJECT) {
            throw fail("header must be a JSON object but is " + json.peek().description(), json.tokenOffset());
        }
        json.beginObject();
        Map<String, String> metadata = null;
        Map<String, HeaderEntry> entries = new HashMap<>();
        List<HeaderEntry> inOrder = new ArrayList<>();
        while (json.hasNext()) {
            long keyOffset = json.tokenOffset();
            String key = json.nextName();
            if (key.equals(METADATA_KEY)) {
                if (metadata != null) {
                    throw fail("duplicate key '" + METADATA_KEY + "'", keyOffset);
                }
                metadata = readMetadata();
            } else {
                if (entries.size() == SafetensorsFile.MAX_TENSORS) {
                    throw fail("more than " + SafetensorsFile.MAX_TENSORS + " tensors, the limit of this reader",
                            keyOffset);
                }
                HeaderEntry entry = readEntry(key, keyOffset);
                if (entries.putIfAbsent(key, entry) != null) {
                    throw fail("duplicate tensor name " + Messages.quote(key), keyOffset);
                }
                inOrder.add(entry);
            }
        }
        json.endObject();
        json.endDocument();
        return new Result(metadata == null ? Map.of() : Collections.unmodifiableMap(metadata), inOrder);
    }

    /** Reads the metadata object; JSON null counts as no metadata, as in the reference implementation. */
    private Map<String, String> readMetadata() throws JsonSyntaxException, SafetensorsException {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (json.peek() == JsonReader.Token.NULL) {
            json.nextNull();
            return metadata;
        }
        if (json.peek() != JsonReader.Token.BEGIN_OBJECT) {
            throw fail("'" + METADATA_KEY + "' must be an object of strings but is " + json.peek().description(),
                    json.tokenOffset());
        }
        json.beginObject();
        while (json.hasNext()) {
            long keyOffset = json.tokenOffset();
            if (metadata.size() == SafetensorsFile.MAX_METADATA_ENTRIES) {
                throw fail("'" + METADATA_KEY + "' has more than " + SafetensorsFile.MAX_METADATA_ENTRIES
                        + " entries, the limit of this reader", keyOffset);
            }
            String key = json.nextName();
            if (metadata.containsKey(key)) {
                throw fail("duplicate key " + Messages.quote(key) + " in '" + METADATA_KEY + "'", keyOffset);
            }
            if (json.peek() != JsonReader.Token.STRING) {
                throw fail("'" + METADATA_KEY + "' value of " + Messages.quote(key) + " must be a string but is "
                        + json.peek().description(), json.tokenOffset());
            }
            metadata.put(key, json.nextString());
        }
        json.endObject();
        return metadata;
    }

    private HeaderEntry readEntry(String name, long keyOffset) throws JsonSyntaxException, SafetensorsException {
        if (json.peek() != JsonReader.Token.BEGIN_OBJECT) {
            throw fail(label(name) + ": entry must be an object but is " + json.peek().description(), json.tokenOffset());
        }
        json.beginObject();
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while (json.hasNext()) {
            long fieldOffset = json.tokenOffset();
            String field = json.nextName();
            boolean duplicate = switch (field) {
                case "dtype" -> dtype != null;
                case "shape" -> shape != null;
                case "data_offsets" -> offsets != null;
                default -> false;
            };
            if (duplicate) {
                throw fail(label(name) + ": duplicate field '" + field + "'", fieldOffset);
            }
            switch (field) {
                case "dtype" -> dtype = readDtype(name);
                case "shape" -> shape = readNaturals(name, "shape", SafetensorsFile.MAX_RANK);
                case "data_offsets" -> {
                    long valueOffset = json.tokenOffset();
                    offsets = readNaturals(name, "data_offsets", 2);
                    if (offsets.length != 2) {
                        throw fail(label(name) + ": data_offsets must hold 2 integers [begin, end] but holds "
                                + offsets.length, valueOffset);
                    }
                }
                // Ignored like in the reference implementation, which leaves room for new fields.
                default -> json.skipValue();
            }
        }
        json.endObject();
        String missing = dtype == null ? "dtype" : shape == null ? "shape" : offsets == null ? "data_offsets" : null;
        if (missing != null) {
            throw fail(label(name) + ": missing field '" + missing + "'", keyOffset);
        }
        return new HeaderEntry(name, dtype, shape, offsets[0], offsets[1], baseOffset + keyOffset);
    }

    private DType readDtype(String name) throws JsonSyntaxException, SafetensorsException {
        long valueOffset = json.tokenOffset();
        if (json.peek() != JsonReader.Token.STRING) {
            throw fail(label(name) + ": dtype must be a string but is " + json.peek().description(), valueOffset);
        }
        String text = json.nextString();
        DType dtype = DType.byHeaderName(text);
        if (dtype == null) {
            throw fail(label(name) + ": unknown dtype " + Messages.quote(text) + " (known: "
                    + Arrays.toString(DType.values()) + ")", valueOffset);
        }
        return dtype;
    }

    /** Reads an array of at most {@code maxLength} non-negative integers. */
    private long[] readNaturals(String name, String field, int maxLength)
            throws JsonSyntaxException, SafetensorsException {
        if (json.peek() != JsonReader.Token.BEGIN_ARRAY) {
            throw fail(label(name) + ": " + field + " must be an array of integers but is " + json.peek().description(),
                    json.tokenOffset());
        }
        json.beginArray();
        long[] values = scratch;
        int count = 0;
        while (json.hasNext()) {
            long valueOffset = json.tokenOffset();
            if (count == maxLength) {
                throw fail(label(name) + ": " + field + " has more than " + maxLength + " elements", valueOffset);
            }
            if (json.peek() != JsonReader.Token.NUMBER) {
                throw fail(label(name) + ": " + field + " must hold integers but holds " + json.peek().description(),
                        valueOffset);
            }
            Number number = json.nextNumber();
            if (!(number instanceof Long value)) {
                throw fail(label(name) + ": " + field + " must hold integers but holds " + number, valueOffset);
            }
            if (value < 0) {
                throw fail(label(name) + ": " + field + "[" + count + "] is negative: " + value, valueOffset);
            }
            values[count++] = value;
        }
        json.endArray();
        return Arrays.copyOf(values, count);
    }

    /** "tensor 'name'", made only when a message needs it. */
    private static String label(String name) {
        return "tensor " + Messages.quote(name);
    }

    private SafetensorsException fail(String problem, long headerOffset) {
        return SafetensorsException.at(fileName, problem, baseOffset + headerOffset);
    }
}
