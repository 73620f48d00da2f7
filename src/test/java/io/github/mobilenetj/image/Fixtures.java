package io.github.mobilenetj.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test resources written by src/test/python/make_image_fixtures.py. */
final class Fixtures {
    private Fixtures() {}

    /** One line of fixtures.txt: a transform, its input image and the torchvision reference output. */
    record Case(Map<String, String> fields) {
        String name() {
            return fields.get("name");
        }

        String kind() {
            return fields.get("kind");
        }

        String image() {
            return fields.get("image");
        }

        int integer(String key) {
            return Integer.parseInt(fields.get(key));
        }

        Normalization normalization() {
            return Normalization.of(floats(fields.get("mean")), floats(fields.get("std")));
        }

        ImageTransform transform() {
            return switch (kind()) {
                case "imagenet" -> imageNet();
                case "pad" -> PadTransform.of(integer("height"), integer("width"), normalization());
                case "interp" -> ResizeBilinearTransform.of(integer("height"), integer("width"), normalization());
                default -> throw new IllegalArgumentException("unknown kind " + kind());
            };
        }

        /** Bilinear unless the case says otherwise. */
        ImageNetTransform.Interpolation interpolation() {
            String name = fields.getOrDefault("interpolation", "bilinear");
            return ImageNetTransform.Interpolation.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }

        /**
         * A case with crop_pct is timm's convention: the transform computes the resize from it, and
         * that must agree with the size the script recorded (timm's floor(crop / crop_pct)).
         */
        private ImageNetTransform imageNet() {
            if (!fields.containsKey("crop_pct")) {
                return ImageNetTransform.of(integer("resize"), integer("crop"), normalization(), interpolation());
            }
            ImageNetTransform t = ImageNetTransform.ofCropFraction(integer("crop"),
                    Double.parseDouble(fields.get("crop_pct")), interpolation(), normalization());
            if (t.resizeSize() != integer("resize")) {
                throw new AssertionError(name() + ": resize " + t.resizeSize() + " from crop_pct, timm's is "
                        + integer("resize"));
            }
            return t;
        }

        float[] expected() {
            return readFloats(name() + ".f32");
        }

        @Override
        public String toString() {
            return name();
        }
    }

    static List<Case> cases() {
        return lines("fixtures.txt").stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#"))
                .map(Fixtures::parse)
                .toList();
    }

    /** The cases of the given kinds, in file order. */
    static List<Case> cases(String... kinds) {
        List<String> wanted = List.of(kinds);
        return cases().stream().filter(c -> wanted.contains(c.kind())).toList();
    }

    /** The case named {@code name}. */
    static Case named(String name) {
        return cases().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no fixture " + name + " in fixtures.txt"));
    }

    private static Case parse(String line) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : line.trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            fields.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return new Case(fields);
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] values = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Float.parseFloat(parts[i]);
        }
        return values;
    }

    static Path path(String resource) {
        URL url = Fixtures.class.getResource(resource);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + resource
                    + "; regenerate with src/test/python/make_image_fixtures.py");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String resource) {
        try {
            return Files.readAllBytes(path(resource));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> lines(String resource) {
        try {
            return Files.readAllLines(path(resource));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Raw little-endian float32. */
    static float[] readFloats(String resource) {
        ByteBuffer bytes = ByteBuffer.wrap(bytes(resource)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    static float maxAbsDiff(float[] expected, float[] actual) {
        if (expected.length != actual.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        float max = 0f;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        return max;
    }

    static int countDifferent(float[] expected, float[] actual) {
        int n = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                n++;
            }
        }
        return n;
    }
}
