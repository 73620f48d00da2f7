package io.github.mobilenetj.model;

import io.github.mobilenetj.image.ImageNetTransform;
import io.github.mobilenetj.image.ImageTransform;
import io.github.mobilenetj.image.Labels;
import io.github.mobilenetj.image.Normalization;
import io.github.mobilenetj.image.PadTransform;
import io.github.mobilenetj.image.ResizeBilinearTransform;
import io.github.mobilenetj.io.JsonStrings;
import io.github.mobilenetj.nn.Activation;
import io.github.mobilenetj.nn.Layout;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * What a self-describing weights file says about its model, read from the safetensors
 * {@code __metadata__} block: architecture ({@code mobilenet_v1}), {@code width_multiplier},
 * {@code resolution}, {@code in_channels}, {@code num_classes}, {@code activation}
 * ({@code relu}/{@code relu6}), {@code bn_eps}, {@code input_transform} ({@code imagenet},
 * {@code pad} or {@code resize_bilinear}), per-channel {@code mean} and {@code std}
 * (comma-separated) and {@code labels} (a JSON array of class names).
 *
 * @param config the network the file describes
 * @param labels class names, index order
 * @param preprocessing how images become the network's input
 */
public record ModelMetadata(ModelConfig config, Labels labels, ImageTransform preprocessing) {

    static final List<String> REQUIRED = List.of("architecture", "width_multiplier", "resolution", "in_channels",
            "num_classes");

    /** True when {@code metadata} carries enough to build a model by itself. */
    public static boolean describesModel(Map<String, String> metadata) {
        return metadata.keySet().containsAll(REQUIRED);
    }

    /**
     * Reads the metadata of {@code source}.
     *
     * @throws IllegalArgumentException naming the key and value that are missing or malformed
     */
    public static ModelMetadata parse(Map<String, String> metadata, String source, int maxBatchSize) {
        List<String> missing = REQUIRED.stream().filter(k -> !metadata.containsKey(k)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(source + ": metadata lacks " + missing
                    + "; pass the model's settings to MobileNetV1.builder() instead");
        }
        String architecture = metadata.get("architecture");
        if (!architecture.equals("mobilenet_v1")) {
            throw new IllegalArgumentException(source + ": architecture is '" + architecture + "', expected 'mobilenet_v1'");
        }
        int inChannels = integer(metadata, "in_channels", source);
        int classes = integer(metadata, "num_classes", source);
        int resolution = integer(metadata, "resolution", source);
        Activation activation = switch (metadata.getOrDefault("activation", "relu").toLowerCase(Locale.ROOT)) {
            case "relu" -> Activation.RELU;
            case "relu6" -> Activation.RELU6;
            default -> throw new IllegalArgumentException(source + ": activation '" + metadata.get("activation")
                    + "' is not relu or relu6");
        };
        ModelConfig config = new ModelConfig(number(metadata, "width_multiplier", source), resolution, classes, inChannels,
                activation, metadata.containsKey("bn_eps") ? number(metadata, "bn_eps", source) : 1e-5, Layout.NCHW,
                maxBatchSize);
        Labels labels = labels(metadata, classes, source);
        return new ModelMetadata(config, labels, preprocessing(metadata, config, source));
    }

    private static Labels labels(Map<String, String> metadata, int classes, String source) {
        String json = metadata.get("labels");
        if (json == null) {
            return defaultLabels(classes);
        }
        List<String> names;
        try {
            names = JsonStrings.parseArray(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": metadata labels = '" + json + "': " + e.getMessage(), e);
        }
        if (names.size() != classes) {
            throw new IllegalArgumentException(source + ": metadata has " + names.size() + " labels for " + classes + " classes");
        }
        return Labels.of(names);
    }

    /** ImageNet's names for 1000 classes, "class i" otherwise. */
    static Labels defaultLabels(int classes) {
        return classes == 1000 ? Labels.imageNet()
                : Labels.of(IntStream.range(0, classes).mapToObj(i -> "class " + i).toList());
    }

    private static ImageTransform preprocessing(Map<String, String> metadata, ModelConfig config, String source) {
        String kind = metadata.getOrDefault("input_transform", "imagenet");
        if (config.inChannels() != 1 && config.inChannels() != 3) {
            throw new IllegalArgumentException(source + ": in_channels = " + config.inChannels()
                    + "; image preprocessing supports 1 (grayscale) or 3 (RGB) channels");
        }
        Normalization normalization = metadata.containsKey("mean") || metadata.containsKey("std")
                ? Normalization.of(floats(metadata, "mean", config.inChannels(), source),
                        floats(metadata, "std", config.inChannels(), source))
                : config.inChannels() == 3 ? Normalization.imageNet() : Normalization.none(config.inChannels());
        return switch (kind) {
            case "imagenet" -> ImageNetTransform.of(ImageNetTransform.resizeFor(config.resolution()), config.resolution(),
                    normalization);
            case "pad" -> PadTransform.of(config.resolution(), normalization);
            case "resize_bilinear" -> ResizeBilinearTransform.of(config.resolution(), normalization);
            default -> throw new IllegalArgumentException(source + ": input_transform '" + kind
                    + "' is not imagenet, pad or resize_bilinear");
        };
    }

    /** The preprocessing a model without metadata gets: torchvision's ImageNet evaluation transform. */
    static ImageTransform defaultPreprocessing(ModelConfig config) {
        Normalization normalization = config.inChannels() == 3 ? Normalization.imageNet() : Normalization.none(config.inChannels());
        return ImageNetTransform.of(ImageNetTransform.resizeFor(config.resolution()), config.resolution(), normalization);
    }

    private static int integer(Map<String, String> metadata, String key, String source) {
        String v = metadata.get(key).trim();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": metadata " + key + " = '" + v + "' is not an integer");
        }
    }

    private static double number(Map<String, String> metadata, String key, String source) {
        String v = metadata.get(key).trim();
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": metadata " + key + " = '" + v + "' is not a number");
        }
    }

    private static float[] floats(Map<String, String> metadata, String key, int channels, String source) {
        String v = metadata.get(key);
        if (v == null) {
            throw new IllegalArgumentException(source + ": metadata has 'mean' or 'std' but not '" + key + "'");
        }
        String[] parts = v.split(",");
        if (parts.length != channels) {
            throw new IllegalArgumentException(source + ": metadata " + key + " = '" + v + "' has " + parts.length
                    + " values for " + channels + " input channels");
        }
        float[] out = new float[channels];
        for (int i = 0; i < channels; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": metadata " + key + " = '" + v + "' is not a list of numbers");
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "ModelMetadata[" + config + ", " + labels.size() + " labels, " + preprocessing + "]";
    }
}
