package io.github.mobilenetj.io;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the JSON header of a safetensors file: {@code __metadata__} first, then the tensors in the given
 * order with contiguous data offsets, padded with spaces to a multiple of 8 bytes so that the data section
 * starts 8-byte aligned (as the reference implementation does).
 */
final class HeaderBuilder {

    private static final int ALIGNMENT = 8;

    private HeaderBuilder() {
    }

    /**
     * Returns the padded header's UTF-8 bytes.
     *
     * @throws IllegalArgumentException if two tensors share a name, a string is not valid Unicode, or the
     *                                  header would exceed {@link SafetensorsFile#MAX_HEADER_LENGTH}
     */
    static byte[] build(Map<String, String> metadata, List<NamedTensor> tensors) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            appendQuoted(json, HeaderParser.METADATA_KEY).append(":{");
            String separator = "";
            for (Map.Entry<String, String> entry : metadata.entrySet()) {
                json.append(separator);
                appendQuoted(json, entry.getKey()).append(':');
                appendQuoted(json, entry.getValue());
                separator = ",";
            }
            json.append('}');
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (NamedTensor tensor : tensors) {
            if (!names.add(tensor.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + tensor.name() + "'");
            }
            long end = Math.addExact(offset, tensor.byteSize());
            if (json.length() > 1) {
                json.append(',');
            }
            appendQuoted(json, tensor.name())
                    .append(":{\"dtype\":\"").append(tensor.dtype().name())
                    .append("\",\"shape\":").append(Arrays.toString(tensor.shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        byte[] text = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = Math.ceilDiv(text.length, ALIGNMENT) * ALIGNMENT;
        if (padded > SafetensorsFile.MAX_HEADER_LENGTH) {
            throw new IllegalArgumentException("header would have " + padded + " bytes, more than readers accept ("
                    + SafetensorsFile.MAX_HEADER_LENGTH + ")");
        }
        byte[] header = Arrays.copyOf(text, padded);
        Arrays.fill(header, text.length, padded, (byte) ' ');
        return header;
    }

    /** Appends a JSON string literal; rejects unpaired surrogates, which UTF-8 cannot encode. */
    static StringBuilder appendQuoted(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                            && Character.isLowSurrogate(text.charAt(i + 1))) {
                        out.append(c).append(text.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException("string contains an unpaired surrogate at index " + i
                                + ": " + text);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
