package io.github.mobilenetj.server;

import com.fasterxml.jackson.core.JsonGenerator;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.model.MobileNetV1;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * A model as the v2 protocol sees it: a name, version "1", one FP32 input {@value #INPUT}
 * ({@code [-1, C, R, R]}, or {@code [-1, R, R, C]} for a channels-last model) or, instead, one
 * BYTES input {@value #IMAGE} of encoded PNG/JPEG images ({@code [-1]}), and one FP32 output
 * {@value #OUTPUT} ({@code [-1, classes]}).
 */
final class ServedModel {

    static final String INPUT = "input";
    static final String IMAGE = "image";
    static final String OUTPUT = "logits";
    static final String VERSION = "1";
    static final String PLATFORM = "mobilenetj_onednn";

    final String name;
    final MobileNetV1 model;
    final Backend backend;
    final long[] imageShape;
    final int imageFloats;
    final int classes;
    private final byte[] metadata;

    ServedModel(String name, MobileNetV1 model, Backend backend, V2Json json) {
        this.name = name;
        this.model = model;
        this.backend = backend;
        int c = model.config().inChannels();
        int r = model.config().resolution();
        this.imageShape = model.config().inputLayout() == PixelLayout.HWC ? new long[] {r, r, c} : new long[] {c, r, r};
        this.imageFloats = model.config().imageSize();
        this.classes = model.config().classes();
        this.metadata = writeMetadata(json);
    }

    /** The {@code GET /v2/models/{name}} body. */
    byte[] metadata() {
        return metadata;
    }

    private byte[] writeMetadata(V2Json json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = json.generator(out)) {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeArrayFieldStart("versions");
            g.writeString(VERSION);
            g.writeEndArray();
            g.writeStringField("platform", PLATFORM);
            g.writeArrayFieldStart("inputs");
            tensor(g, INPUT, "FP32", -1, imageShape);
            tensor(g, IMAGE, "BYTES", -1);
            g.writeEndArray();
            g.writeArrayFieldStart("outputs");
            tensor(g, OUTPUT, "FP32", -1, classes);
            g.writeEndArray();
            g.writeObjectFieldStart("parameters");
            g.writeStringField("description", model.toString());
            g.writeStringField("input_layout", model.config().inputLayout().name());
            g.writeStringField("inputs", "give exactly one: '" + INPUT + "' (preprocessed FP32 tensor) or '" + IMAGE
                    + "' (encoded PNG/JPEG images, preprocessed by the server)");
            g.writeNumberField("max_images_per_request", backend.maxImagesPerRequest());
            g.writeArrayFieldStart("labels");
            for (String label : model.labels().names()) {
                g.writeString(label);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void tensor(JsonGenerator g, String name, String datatype, long first, long... rest) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("datatype", datatype);
        g.writeArrayFieldStart("shape");
        g.writeNumber(first);
        for (long d : rest) {
            g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** The shape a client must send for {@code n} images, e.g. {@code [n, 3, 224, 224]}. */
    String expectedShape(String n) {
        StringBuilder sb = new StringBuilder("[").append(n);
        for (long d : imageShape) {
            sb.append(", ").append(d);
        }
        return sb.append(']').toString();
    }

    /** Triton's classification string for one class: {@code score:index:label}. */
    String classification(float score, int index) {
        return String.format(Locale.ROOT, "%s:%d:%s", Float.toString(score), index, model.labels().name(index));
    }
}
