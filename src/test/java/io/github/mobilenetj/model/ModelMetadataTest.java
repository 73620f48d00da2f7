package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.image.ImageNetTransform;
import io.github.mobilenetj.image.ImageTransform;
import io.github.mobilenetj.image.Normalization;
import io.github.mobilenetj.image.PadTransform;
import io.github.mobilenetj.image.ResizeBilinearTransform;
import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.reference.MobileNetSpec;
import io.github.mobilenetj.reference.OnnxMobileNetWriter;
import io.github.mobilenetj.reference.OnnxRuntimeRunner;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Self-describing weights files: the safetensors metadata defines the model, its labels and preprocessing. */
class ModelMetadataTest {

    private static final List<String> LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt \"x\"", "Sneaker", "Bag/ñ", "Ankle boot");
    private static final String LABELS_JSON = "[\"T-shirt/top\", \"Trouser\", \"Pullover\", \"Dress\", \"Coat\","
            + " \"Sandal\", \"Shirt \\\"x\\\"\", \"Sneaker\", \"Bag\\/\\u00f1\", \"Ankle boot\"]";

    @TempDir
    Path dir;

    /** 1 channel, 10 classes, α 0.25, 32x32, ReLU6, ε 1e-3: what the metadata below says. */
    private static final ModelConfig CONFIG = new ModelConfig(0.25, 32, 10, 1, Activation.RELU6, 1e-3, PixelLayout.CHW, 1);

    private static Map<String, String> metadata(String transform) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("architecture", "mobilenet_v1");
        m.put("width_multiplier", "0.25");
        m.put("resolution", "32");
        m.put("in_channels", "1");
        m.put("num_classes", "10");
        m.put("activation", "relu6");
        m.put("bn_eps", "0.001");
        m.put("input_transform", transform);
        m.put("mean", "0.2860");
        m.put("std", "0.3530");
        m.put("labels", LABELS_JSON);
        return m;
    }

    private static Map<String, String> with(String key, String value) {
        Map<String, String> m = metadata("pad");
        if (value == null) {
            m.remove(key);
        } else {
            m.put(key, value);
        }
        return m;
    }

    /** Loading a file of CONFIG's tensors with {@code metadata} fails; the message names the file. */
    private IllegalArgumentException rejected(Map<String, String> metadata) {
        Path file = dir.resolve("model.safetensors");
        try {
            Weights.random(CONFIG, 1).save(file, DType.F32, metadata);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MobileNetV1.load(file));
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        return e;
    }

    @Test
    void loadsTheModelTheFileDescribesAndMatchesOnnxRuntime() throws Exception {
        Path file = dir.resolve("fashion.safetensors");
        Weights weights = Weights.random(CONFIG, 31);
        weights.save(file, DType.F32, metadata("pad"));
        MobileNetSpec spec = new MobileNetSpec(0.25, 32, 1, 10, MobileNetSpec.Activation.RELU6, 1e-3);
        try (MobileNetV1 model = MobileNetV1.builder().maxBatchSize(2).load(file);
                Session session = model.newSession();
                OnnxRuntimeRunner ort = new OnnxRuntimeRunner(
                        OnnxMobileNetWriter.write(spec, name -> weights.values(name)), 1)) {
            ModelConfig c = model.config();
            assertEquals(0.25, c.widthMultiplier());
            assertEquals(32, c.resolution());
            assertEquals(1, c.inChannels());
            assertEquals(10, c.classes());
            assertEquals(Activation.RELU6, c.activation());
            assertEquals(1e-3, c.batchNormEpsilon());
            assertEquals(PixelLayout.CHW, c.inputLayout());
            assertEquals(2, c.maxBatchSize());
            assertEquals(LABELS, model.labels().names());
            PadTransform pad = assertInstanceOf(PadTransform.class, model.preprocessing());
            assertEquals(1, pad.channels());
            assertEquals(32, pad.height());
            assertEquals(32, pad.width());
            assertEquals(0.2860f, pad.normalization().mean(0));
            assertEquals(0.3530f, pad.normalization().std(0));

            SplittableRandom random = new SplittableRandom(5);
            float[] input = new float[2 * 32 * 32];
            for (int i = 0; i < input.length; i++) {
                input[i] = (float) (random.nextDouble() * 6 - 3);
            }
            float[] expected = ort.run(input, 2, 1, 32, 32);
            float[] actual = session.run(input);
            double max = 0;
            double err = 0;
            for (int i = 0; i < expected.length; i++) {
                max = Math.max(max, Math.abs(expected[i]));
                err = Math.max(err, Math.abs(expected[i] - actual[i]));
            }
            assertTrue(max > 0);
            assertTrue(err <= 1e-4 * max, "max |ours - ORT| " + err + " vs max |logit| " + max);
        }
    }

    @Test
    void defaultBatchSizeIsOne() throws Exception {
        Path file = dir.resolve("m.safetensors");
        Weights.random(CONFIG, 1).save(file, DType.F32, metadata("pad"));
        try (MobileNetV1 model = MobileNetV1.load(file)) {
            assertEquals(1, model.config().maxBatchSize());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"pad", "resize_bilinear", "imagenet"})
    void preprocessingKinds(String kind) {
        Metadata m = Metadata.parse(metadata(kind), "m");
        ImageTransform t = m.preprocessing(CONFIG);
        assertEquals(1, t.channels());
        assertEquals(32, t.height());
        assertEquals(32, t.width());
        Normalization n = switch (kind) {
            case "pad" -> assertInstanceOf(PadTransform.class, t).normalization();
            case "resize_bilinear" -> assertInstanceOf(ResizeBilinearTransform.class, t).normalization();
            default -> {
                ImageNetTransform inet = assertInstanceOf(ImageNetTransform.class, t);
                assertEquals(32, inet.cropSize());
                assertEquals(37, inet.resizeSize()); // 256 * 32 / 224 = 36.57
                yield inet.normalization();
            }
        };
        assertEquals(Normalization.of(new float[] {0.286f}, new float[] {0.353f}), n);
    }

    /**
     * timm's weights: a file with interpolation=bicubic and crop_pct=0.875 gets timm's evaluation
     * transform, and on a real image it gives the tensor timm's pipeline (torchvision Resize(256,
     * bicubic) on the Pillow image, CenterCrop(224), ToTensor, Normalize(0.5, 0.5)) gives, bit for bit.
     */
    @Test
    void timmPreprocessingFromTheFile() throws Exception {
        ModelConfig rgb224 = new ModelConfig(0.25, 224, 10, 3, Activation.RELU6, 1e-5, PixelLayout.CHW, 1);
        Map<String, String> m = metadata("imagenet");
        m.put("resolution", "224");
        m.put("in_channels", "3");
        m.put("bn_eps", "1e-05");
        m.put("mean", "0.5,0.5,0.5");
        m.put("std", "0.5,0.5,0.5");
        m.put("interpolation", "bicubic");
        m.put("crop_pct", "0.875");
        Path file = dir.resolve("timm.safetensors");
        Weights.random(rgb224, 4).save(file, DType.F32, m);
        Path image = resource("rgb_300x200.jpg");
        float[] expected = floats(resource("timm_rgb_224_0875.f32"));
        try (MobileNetV1 model = MobileNetV1.load(file)) {
            ImageNetTransform t = assertInstanceOf(ImageNetTransform.class, model.preprocessing());
            assertEquals(ImageNetTransform.Interpolation.BICUBIC, t.interpolation());
            assertEquals(256, t.resizeSize());
            assertEquals(224, t.cropSize());
            assertArrayEquals(expected, t.apply(image), "timm's tensor bit for bit");
        }
        // The same file without the two keys: bilinear resize to 256, which timm's tensor tells apart.
        m.remove("interpolation");
        m.remove("crop_pct");
        Weights.random(rgb224, 4).save(file, DType.F32, m);
        try (MobileNetV1 model = MobileNetV1.load(file)) {
            ImageNetTransform t = assertInstanceOf(ImageNetTransform.class, model.preprocessing());
            assertEquals(ImageNetTransform.Interpolation.BILINEAR, t.interpolation());
            float[] bilinear = t.apply(image);
            double maxDiff = 0;
            for (int i = 0; i < expected.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[i] - bilinear[i]));
            }
            assertTrue(maxDiff > 0.05, "bilinear and bicubic differ visibly: " + maxDiff);
        }
    }

    @ParameterizedTest(name = "crop_pct {0}, {1}: resize {2}")
    @CsvSource({
        "0.875, bicubic, 36, BICUBIC", // floor(32 / 0.875) = floor(36.57); the 256:224 rounding gives 37
        "1, BiCubic, 32, BICUBIC",
        "0.5, bilinear, 64, BILINEAR",
        ", bicubic, 37, BICUBIC", // interpolation alone keeps the 256:224 resize
        "0.9, , 35, BILINEAR", // crop_pct alone keeps bilinear
    })
    void interpolationAndCropPct(String cropPct, String interpolation, int resize, ImageNetTransform.Interpolation filter) {
        Map<String, String> m = metadata("imagenet");
        if (cropPct != null) {
            m.put("crop_pct", cropPct);
        }
        if (interpolation != null) {
            m.put("interpolation", interpolation);
        }
        ImageNetTransform t = assertInstanceOf(ImageNetTransform.class, Metadata.parse(m, "m").preprocessing(CONFIG));
        assertEquals(resize, t.resizeSize());
        assertEquals(32, t.cropSize());
        assertEquals(filter, t.interpolation());
        // Without input_transform the default is imagenet, and the two keys apply to it.
        m.remove("input_transform");
        assertEquals(filter, assertInstanceOf(ImageNetTransform.class,
                Metadata.parse(m, "m").preprocessing(CONFIG)).interpolation());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "interpolation, lanczos, lanczos' is not bilinear or bicubic",
        "interpolation, '', is not bilinear or bicubic",
        "interpolation, nearest, nearest' is not bilinear or bicubic",
        "crop_pct, 0, = 0 is not in (0, 1]",
        "crop_pct, -0.875, = -0.875 is not in (0, 1]",
        "crop_pct, 1.05, = 1.05 is not in (0, 1]",
        "crop_pct, NaN, NaN' is not a finite number",
        "crop_pct, most, most' is not a finite number",
        "crop_pct, 1e-300, crop fraction 1.0E-300 of 32 pixels needs a resize",
    })
    void badInterpolationOrCropPctIsRefusedNamingTheKey(String key, String value, String fragment) {
        Map<String, String> m = metadata("imagenet");
        m.put(key, value);
        String message = rejected(m).getMessage();
        assertTrue(message.contains("metadata " + key) && message.contains(fragment), message);
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({"interpolation, pad, bicubic", "crop_pct, resize_bilinear, 0.875"})
    void interpolationAndCropPctBelongToImagenet(String key, String transform, String value) {
        Map<String, String> m = metadata(transform);
        m.put(key, value);
        String message = rejected(m).getMessage();
        assertTrue(message.contains(key) && message.contains("imagenet") && message.contains(transform), message);
    }

    private static Path resource(String name) throws Exception {
        return Path.of(ModelMetadataTest.class.getResource("/io/github/mobilenetj/image/" + name).toURI());
    }

    private static float[] floats(Path file) throws java.io.IOException {
        java.nio.FloatBuffer b = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(file))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    @Test
    void optionalKeysHaveDefaults() {
        Map<String, String> m = new HashMap<>(Map.of("architecture", "mobilenet_v1", "width_multiplier", " 0.5 ",
                "resolution", "64", "in_channels", "3", "num_classes", "1000"));
        Metadata meta = Metadata.parse(m, "m");
        assertEquals(null, meta.activation());
        assertEquals(null, meta.batchNormEpsilon());
        assertEquals(0.5, meta.widthMultiplier());
        assertEquals(1000, meta.labels(1000).size());
        assertEquals("tench", meta.labels(1000).name(0));
        ModelConfig rgb = new ModelConfig(0.5, 64, 1000, 3, Activation.RELU, 1e-5, PixelLayout.CHW, 1);
        ImageNetTransform t = assertInstanceOf(ImageNetTransform.class, meta.preprocessing(rgb));
        assertEquals(Normalization.imageNet(), t.normalization());
        assertEquals(64, t.cropSize());
        assertEquals(73, t.resizeSize());

        m.put("num_classes", "3");
        m.put("in_channels", "1");
        m.put("activation", "ReLU6");
        Metadata small = Metadata.parse(m, "m");
        assertEquals(List.of("class 0", "class 1", "class 2"), small.labels(3).names());
        ModelConfig gray = new ModelConfig(0.5, 64, 3, 1, Activation.RELU6, 1e-5, PixelLayout.CHW, 1);
        assertEquals(Normalization.none(1), assertInstanceOf(ImageNetTransform.class, small.preprocessing(gray)).normalization());
        assertEquals(Activation.RELU6, small.activation());
    }

    @Test
    void rgbMeanAndStd() {
        Map<String, String> m = metadata("resize_bilinear");
        m.put("in_channels", "3");
        m.put("mean", "0.5, 0.25,0.125");
        m.put("std", "1,2,4");
        ModelConfig rgb = new ModelConfig(0.25, 32, 10, 3, Activation.RELU6, 1e-3, PixelLayout.CHW, 1);
        Normalization n = assertInstanceOf(ResizeBilinearTransform.class, Metadata.parse(m, "m").preprocessing(rgb))
                .normalization();
        assertEquals(3, n.channels());
        assertArrayEquals(new float[] {0.5f, 0.25f, 0.125f}, new float[] {n.mean(0), n.mean(1), n.mean(2)});
        assertArrayEquals(new float[] {1, 2, 4}, new float[] {n.std(0), n.std(1), n.std(2)});
    }

    /** A plain state_dict without metadata loads: α, classes and input channels come from its tensors. */
    @Test
    void aFileWithoutMetadataIsReadOffItsTensors() throws Exception {
        Path file = dir.resolve("bare.safetensors");
        Weights.random(CONFIG, 2).save(file, DType.F32, Map.of());
        try (MobileNetV1 model = MobileNetV1.builder().resolution(32).load(file)) {
            ModelConfig c = model.config();
            assertEquals(0.25, c.widthMultiplier());
            assertEquals(10, c.classes());
            assertEquals(1, c.inChannels());
            assertEquals(Activation.RELU, c.activation(), "no metadata, reference names: ReLU");
            assertEquals(1e-5, c.batchNormEpsilon());
            assertEquals(List.of("class 0", "class 1"), model.labels().names().subList(0, 2));
        }
        try (MobileNetV1 model = MobileNetV1.load(file)) {
            assertEquals(224, model.config().resolution(), "the default resolution when nothing says otherwise");
        }
    }

    /** Huge numbers in metadata are refused by the model's bounds before anything is allocated for them. */
    @Test
    void absurdMetadataIsRefusedBeforeAllocating() {
        assertTrue(rejected(with("num_classes", "2147483647")).getMessage().contains("classes must be in 1..1048576"));
        assertTrue(rejected(with("resolution", "5000")).getMessage().contains("resolution must be in 1..2048"));
        assertTrue(rejected(with("resolution", "100000")).getMessage().contains("resolution must be in 1..2048"));
        assertTrue(rejected(with("width_multiplier", "1e9")).getMessage().contains("width multiplier"));
        // In range but contradicted by the classifier's shape: the tensors are checked before labels are made.
        String message = rejected(with("num_classes", "1000000")).getMessage();
        assertTrue(message.contains("'fc.weight' has shape [10, 256], expected [1000000, 256]"), message);
    }

    @Test
    void otherArchitecture() {
        String message = rejected(with("architecture", "resnet")).getMessage();
        assertTrue(message.contains("resnet") && message.contains("mobilenet_v1"), message);
    }

    @Test
    void labelCountMustMatchTheClasses() {
        String message = rejected(with("labels", "[\"a\", \"b\", \"c\"]")).getMessage();
        assertTrue(message.contains("3") && message.contains("10"), message);
    }

    @Test
    void malformedLabelsNameTheKey() {
        // ModelMetadata.parse documents "IllegalArgumentException naming the key and value that are ... malformed".
        for (String bad : List.of("T-shirt, Trouser", "[\"a\", 1]", "[\"a\"")) {
            String message = rejected(with("labels", bad)).getMessage();
            assertTrue(message.contains("labels"), "should name the key 'labels': " + message);
            assertTrue(message.contains("model.safetensors"), "should name the file: " + message);
        }
    }

    @Test
    void meanWithTheWrongNumberOfChannels() {
        String message = rejected(with("mean", "0.485,0.456,0.406")).getMessage();
        assertTrue(message.contains("mean") && message.contains("3 values") && message.contains("1 input channels"), message);
        assertTrue(rejected(with("std", "0.2,0.2")).getMessage().contains("std"));
    }

    @Test
    void meanWithoutStd() {
        String message = rejected(with("std", null)).getMessage();
        assertTrue(message.contains("std"), message);
    }

    @Test
    void nonNumericMean() {
        String message = rejected(with("mean", "grey")).getMessage();
        assertTrue(message.contains("mean") && message.contains("grey"), message);
    }

    @Test
    void unknownActivation() {
        String message = rejected(with("activation", "gelu")).getMessage();
        assertTrue(message.contains("gelu"), message);
    }

    @Test
    void unknownInputTransform() {
        String message = rejected(with("input_transform", "crop")).getMessage();
        assertTrue(message.contains("crop") && message.contains("input_transform"), message);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "width_multiplier, wide",
        "width_multiplier, ''",
        "resolution, 32.5",
        "resolution, big",
        "in_channels, one",
        "num_classes, 10x",
        "bn_eps, tiny",
    })
    void nonNumericValueNamesTheKey(String key, String value) {
        String message = rejected(with(key, value)).getMessage();
        assertTrue(message.contains(key), message);
        assertTrue(message.contains("'" + value + "'"), message);
    }

    @Test
    void invalidModelConfigurationIsRejected() {
        assertTrue(rejected(with("num_classes", "0")).getMessage().contains("classes"));
        assertTrue(rejected(with("width_multiplier", "0.01")).getMessage().contains("width multiplier"));
        assertTrue(rejected(with("width_multiplier", "NaN")).getMessage().contains("width_multiplier"));
        assertTrue(rejected(with("resolution", "-32")).getMessage().contains("resolution"));
    }

    @Test
    void metadataThatDisagreesWithTheTensors() throws Exception {
        Path file = dir.resolve("liar.safetensors");
        Map<String, String> m = metadata("pad");
        m.put("width_multiplier", "0.5");
        Weights.random(CONFIG, 3).save(file, DType.F32, m);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MobileNetV1.load(file));
        assertTrue(e.getMessage().contains("shape"), e.getMessage());
    }
}
