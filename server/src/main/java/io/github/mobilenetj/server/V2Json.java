package io.github.mobilenetj.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.JacksonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The JSON of the Open Inference Protocol v2 (KServe / Triton REST): parses inference requests
 * with a streaming parser (tensor data goes straight into a float array) and writes responses.
 * Every way a request can be malformed ends in {@link HttpError} 400 naming the field.
 */
final class V2Json {

    /** Inputs a request may name: this server's models take one. */
    static final int MAX_INPUTS = 8;
    static final int MAX_OUTPUTS = 8;
    static final int MAX_DIMS = 8;

    private final JsonFactory factory;

    V2Json(long maxBodyBytes) {
        int maxString = (int) Math.min(Integer.MAX_VALUE - 16, maxBodyBytes);
        this.factory = JsonFactory.builder()
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(maxString).maxNestingDepth(64).build())
                .build();
    }

    JsonGenerator generator(ByteArrayOutputStream out) {
        try {
            return factory.createGenerator(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ parsing

    /** Parses the JSON of an inference request held in {@code body[offset, offset + length)}. */
    InferRequest parseInfer(byte[] body, int offset, int length) {
        if (length == 0) {
            throw HttpError.badRequest("empty request body; expected a JSON inference request");
        }
        try (JsonParser p = factory.createParser(body, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw HttpError.badRequest("the request body must be a JSON object, found " + describe(p.currentToken()));
            }
            String id = null;
            long timeout = 0;
            boolean binaryOutput = false;
            List<InferRequest.Input> inputs = null;
            List<InferRequest.Output> outputs = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = string(p, value, "id");
                    case "parameters" -> {
                        expect(p, value, JsonToken.START_OBJECT, "parameters");
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            JsonToken v = p.nextToken();
                            switch (name) {
                                case "timeout" -> timeout = positiveLong(p, v, "parameters.timeout");
                                case "binary_data_output" -> binaryOutput = bool(p, v, "parameters.binary_data_output");
                                default -> p.skipChildren();
                            }
                        }
                    }
                    case "inputs" -> {
                        expect(p, value, JsonToken.START_ARRAY, "inputs");
                        inputs = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            if (inputs.size() == MAX_INPUTS) {
                                throw HttpError.badRequest("more than " + MAX_INPUTS + " inputs");
                            }
                            inputs.add(parseInput(p, "inputs[" + inputs.size() + "]"));
                        }
                    }
                    case "outputs" -> {
                        expect(p, value, JsonToken.START_ARRAY, "outputs");
                        List<InferRequest.Output> list = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            if (list.size() == MAX_OUTPUTS) {
                                throw HttpError.badRequest("more than " + MAX_OUTPUTS + " outputs");
                            }
                            list.add(parseOutput(p, "outputs[" + list.size() + "]"));
                        }
                        outputs = list;
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw HttpError.badRequest("malformed JSON: expected a field name or '}', found " + describe(p.currentToken()));
            }
            if (p.nextToken() != null) {
                throw HttpError.badRequest("unexpected content after the JSON object at " + location(p));
            }
            if (inputs == null) {
                throw HttpError.badRequest("the request has no \"inputs\"");
            }
            return new InferRequest(id, timeout, binaryOutput, inputs, outputs);
        } catch (StreamConstraintsException e) {
            throw HttpError.badRequest("JSON too large or too deeply nested: " + e.getOriginalMessage());
        } catch (JacksonException e) {
            throw HttpError.badRequest("malformed JSON: " + e.getOriginalMessage() + " at " + location(e));
        } catch (IOException e) {
            throw HttpError.badRequest("unreadable JSON: " + e.getMessage());
        }
    }

    private static InferRequest.Input parseInput(JsonParser p, String where) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT, where);
        String name = null;
        String datatype = null;
        long[] shape = null;
        long binarySize = -1;
        FloatList floats = null;
        List<byte[]> strings = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> name = string(p, value, where + ".name");
                case "datatype" -> datatype = string(p, value, where + ".datatype");
                case "shape" -> shape = shape(p, value, where + ".shape");
                case "parameters" -> {
                    expect(p, value, JsonToken.START_OBJECT, where + ".parameters");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String param = p.currentName();
                        JsonToken v = p.nextToken();
                        if (param.equals("binary_data_size")) {
                            binarySize = nonNegativeLong(p, v, where + ".parameters.binary_data_size");
                        } else {
                            p.skipChildren();
                        }
                    }
                }
                case "data" -> {
                    if (value != JsonToken.START_ARRAY) {
                        throw HttpError.badRequest(where + ".data must be an array, found " + describe(value));
                    }
                    floats = new FloatList();
                    strings = new ArrayList<>();
                    flatten(p, where + ".data", floats, strings, 1);
                    if (floats.size > 0 && !strings.isEmpty()) {
                        throw HttpError.badRequest(where + ".data mixes numbers and strings");
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (name == null) {
            throw HttpError.badRequest(where + " has no \"name\"");
        }
        String named = "input '" + name + "'";
        if (datatype == null) {
            throw HttpError.badRequest(named + " has no \"datatype\"");
        }
        if (shape == null) {
            throw HttpError.badRequest(named + " has no \"shape\"");
        }
        if (floats != null && binarySize >= 0) {
            throw HttpError.badRequest(named + " has both \"data\" and parameters.binary_data_size; give one");
        }
        if (floats == null && binarySize < 0) {
            throw HttpError.badRequest(named + " has no \"data\" (nor parameters.binary_data_size for binary data)");
        }
        float[] values = null;
        List<byte[]> elements = null;
        if (floats != null) {
            if (!strings.isEmpty()) {
                elements = strings;
            } else {
                values = floats.toArray();
            }
        }
        return new InferRequest.Input(name, datatype, shape, binarySize, values, elements);
    }

    /** Reads nested arrays of numbers or strings, row-major, into one of the two lists. */
    private static void flatten(JsonParser p, String where, FloatList floats, List<byte[]> strings, int depth)
            throws IOException {
        if (depth > MAX_DIMS) {
            throw HttpError.badRequest(where + " is nested deeper than " + MAX_DIMS + " levels");
        }
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            switch (t) {
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> floats.add(p.getFloatValue());
                case VALUE_STRING -> strings.add(p.getText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                case START_ARRAY -> flatten(p, where, floats, strings, depth + 1);
                case null -> throw HttpError.badRequest(where + ": the JSON ends inside the array");
                default -> throw HttpError.badRequest(where + " holds " + describe(t) + "; expected numbers (FP32) or strings (BYTES)");
            }
        }
    }

    private static InferRequest.Output parseOutput(JsonParser p, String where) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT, where);
        String name = null;
        boolean binary = false;
        int classification = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> name = string(p, value, where + ".name");
                case "parameters" -> {
                    expect(p, value, JsonToken.START_OBJECT, where + ".parameters");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String param = p.currentName();
                        JsonToken v = p.nextToken();
                        switch (param) {
                            case "binary_data" -> binary = bool(p, v, where + ".parameters.binary_data");
                            case "classification" -> {
                                long k = positiveLong(p, v, where + ".parameters.classification");
                                classification = (int) Math.min(k, Integer.MAX_VALUE);
                            }
                            default -> p.skipChildren();
                        }
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (name == null) {
            throw HttpError.badRequest(where + " has no \"name\"");
        }
        return new InferRequest.Output(name, binary, classification);
    }

    private static long[] shape(JsonParser p, JsonToken value, String where) throws IOException {
        if (value != JsonToken.START_ARRAY) {
            throw HttpError.badRequest(where + " must be an array of integers, found " + describe(value));
        }
        long[] dims = new long[MAX_DIMS];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw HttpError.badRequest(where + " must hold integers, found " + describe(t));
            }
            if (n == MAX_DIMS) {
                throw HttpError.badRequest(where + " has more than " + MAX_DIMS + " dimensions");
            }
            long d;
            try {
                d = p.getLongValue();
            } catch (IOException e) {
                throw HttpError.badRequest(where + "[" + n + "] is out of range");
            }
            if (d < 0) {
                throw HttpError.badRequest(where + "[" + n + "] is " + d + "; dimensions must not be negative");
            }
            dims[n++] = d;
        }
        return Arrays.copyOf(dims, n);
    }

    private static void expect(JsonParser p, JsonToken actual, JsonToken expected, String where) {
        if (actual != expected) {
            throw HttpError.badRequest(where + " must be " + describe(expected) + ", found " + describe(actual)
                    + " at " + location(p));
        }
    }

    private static String string(JsonParser p, JsonToken value, String where) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            throw HttpError.badRequest(where + " must be a string, found " + describe(value));
        }
        return p.getText();
    }

    private static boolean bool(JsonParser p, JsonToken value, String where) {
        if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
            throw HttpError.badRequest(where + " must be true or false, found " + describe(value));
        }
        return value == JsonToken.VALUE_TRUE;
    }

    private static long nonNegativeLong(JsonParser p, JsonToken value, String where) throws IOException {
        if (value != JsonToken.VALUE_NUMBER_INT) {
            throw HttpError.badRequest(where + " must be an integer, found " + describe(value));
        }
        long v;
        try {
            v = p.getLongValue();
        } catch (IOException e) {
            throw HttpError.badRequest(where + " is out of range");
        }
        if (v < 0) {
            throw HttpError.badRequest(where + " must not be negative, got " + v);
        }
        return v;
    }

    private static long positiveLong(JsonParser p, JsonToken value, String where) throws IOException {
        long v = nonNegativeLong(p, value, where);
        if (v == 0) {
            throw HttpError.badRequest(where + " must be positive, got 0");
        }
        return v;
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "the end of the input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case END_OBJECT -> "'}'";
            case START_ARRAY -> "an array";
            case END_ARRAY -> "']'";
            case FIELD_NAME -> "a field name";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    private static String location(JsonParser p) {
        var l = p.currentLocation();
        return "line " + l.getLineNr() + ", column " + l.getColumnNr();
    }

    private static String location(JacksonException e) {
        var l = e.getLocation();
        return l == null ? "an unknown position" : "line " + l.getLineNr() + ", column " + l.getColumnNr();
    }

    /** A growable float array. */
    static final class FloatList {
        float[] values = new float[1024];
        int size;

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
