package io.github.mobilenetj.model;

import io.github.mobilenetj.image.ImageNetTransform;
import io.github.mobilenetj.image.ImageTransform;
import io.github.mobilenetj.image.Labels;
import io.github.mobilenetj.image.Normalization;
import io.github.mobilenetj.image.PadTransform;
import io.github.mobilenetj.image.ResizeBilinearTransform;
import io.github.mobilenetj.io.JsonStrings;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a self-describing weights file says about its model, read from the safetensors
 * {@code __metadata__} block: {@code architecture} ({@code mobilenet_v1}), {@code width_multiplier},
 * {@code resolution}, {@code in_channels}, {@code num_classes}, {@code activation}
 * ({@code relu}/{@code relu6}), {@code bn_eps}, {@code input_transform} ({@code imagenet},
 * {@code pad} or {@code resize_bilinear}), per-channel {@code mean} and {@code std}
 * (comma-separated), for {@code imagenet} only {@code interpolation} ({@code bilinear} or
 * {@code bicubic}) and {@code crop_pct} (timm's, in (0, 1]), and {@code labels} (a JSON array of
 * class names). Every key is optional; a value that is present must be well-formed. Numbers are
 * checked against the model's bounds and the tensors' shapes before anything is allocated from them.
 */
record Metadata(String source, Double widthMultiplier, Integer resolution, Integer inChannels, Integer classes,
        Activation activation, Double batchNormEpsilon, String inputTransform, String mean, String std, String labels,
        ImageNetTransform.Interpolation interpolation, Double cropPct) {

    static Metadata parse(Map<String, String> metadata, String source) {
        String architecture = metadata.get("architecture");
        if (architecture != null && !architecture.equals("mobilenet_v1")) {
            throw new IllegalArgumentException(source + ": metadata architecture is '" + architecture
                    + "', expected 'mobilenet_v1'");
        }
        Activation activation = null;
        String act = metadata.get("activation");
        if (act != null) {
            activation = switch (act.trim().toLowerCase(Locale.ROOT)) {
                case "relu" -> Activation.RELU;
                case "relu6" -> Activation.RELU6;
                default -> throw new IllegalArgumentException(source + ": metadata activation '" + act
                        + "' is not relu or relu6");
            };
        }
        String transform = metadata.get("input_transform");
        if (transform != null && !List.of("imagenet", "pad", "resize_bilinear").contains(transform)) {
            throw new IllegalArgumentException(source + ": metadata input_transform '" + transform
                    + "' is not imagenet, pad or resize_bilinear");
        }
        ImageNetTransform.Interpolation interpolation = null;
        String interp = metadata.get("interpolation");
        if (interp != null) {
            interpolation = switch (interp.trim().toLowerCase(Locale.ROOT)) {
                case "bilinear" -> ImageNetTransform.Interpolation.BILINEAR;
                case "bicubic" -> ImageNetTransform.Interpolation.BICUBIC;
                default -> throw new IllegalArgumentException(source + ": metadata interpolation '" + interp
                        + "' is not bilinear or bicubic");
            };
        }
        Double cropPct = number(metadata, "crop_pct", source);
        if (cropPct != null && !(cropPct > 0 && cropPct <= 1)) {
            throw new IllegalArgumentException(source + ": metadata crop_pct = " + metadata.get("crop_pct").trim()
                    + " is not in (0, 1]");
        }
        if ((interp != null || cropPct != null) && transform != null && !transform.equals("imagenet")) {
            throw new IllegalArgumentException(source + ": metadata " + (interp != null ? "interpolation" : "crop_pct")
                    + " describes the imagenet input_transform, not '" + transform + "'");
        }
        return new Metadata(source, number(metadata, "width_multiplier", source), integer(metadata, "resolution", source),
                integer(metadata, "in_channels", source), integer(metadata, "num_classes", source), activation,
                number(metadata, "bn_eps", source), transform, metadata.get("mean"), metadata.get("std"),
                metadata.get("labels"), interpolation, cropPct);
    }

    /** Class names: the metadata's, else ImageNet's for 1000 classes, else "class i". */
    Labels labels(int classes) {
        if (labels == null) {
            return defaultLabels(classes);
        }
        List<String> names;
        try {
            names = JsonStrings.parseArray(labels);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": metadata labels: " + e.getMessage(), e);
        }
        if (names.size() != classes) {
            throw new IllegalArgumentException(source + ": metadata has " + names.size() + " labels for " + classes
                    + " classes");
        }
        try {
            return Labels.of(names);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": metadata labels: " + e.getMessage(), e);
        }
    }

    /** ImageNet's names for 1000 classes, "class i" otherwise (generated on demand). */
    static Labels defaultLabels(int classes) {
        return classes == 1000 ? Labels.imageNet() : Labels.numbered(classes);
    }

    /**
     * How images become the input of {@code config}: the metadata's transform, else torchvision's ImageNet one
     * (resize round(256 R / 224), or timm's floor(R / crop_pct); bilinear unless interpolation says bicubic).
     */
    ImageTransform preprocessing(ModelConfig config) {
        String kind = inputTransform == null ? "imagenet" : inputTransform;
        if (config.inChannels() != 1 && config.inChannels() != 3) {
            if (inputTransform != null || mean != null || std != null || interpolation != null || cropPct != null) {
                throw new IllegalArgumentException(source + ": in_channels = " + config.inChannels()
                        + "; image preprocessing supports 1 (grayscale) or 3 (RGB) channels");
            }
            return null;
        }
        Normalization normalization;
        try {
            normalization = mean != null || std != null
                    ? Normalization.of(floats("mean", mean, config.inChannels()), floats("std", std, config.inChannels()))
                    : config.inChannels() == 3 ? Normalization.imageNet() : Normalization.none(config.inChannels());
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(source) ? e
                    : new IllegalArgumentException(source + ": metadata mean/std: " + e.getMessage(), e);
        }
        return switch (kind) {
            case "pad" -> PadTransform.of(config.resolution(), normalization);
            case "resize_bilinear" -> ResizeBilinearTransform.of(config.resolution(), normalization);
            default -> imageNet(config.resolution(), normalization);
        };
    }

    private ImageNetTransform imageNet(int resolution, Normalization normalization) {
        ImageNetTransform.Interpolation filter = interpolation != null ? interpolation
                : ImageNetTransform.Interpolation.BILINEAR;
        if (cropPct == null) {
            return ImageNetTransform.of(ImageNetTransform.resizeFor(resolution), resolution, normalization, filter);
        }
        try {
            return ImageNetTransform.ofCropFraction(resolution, cropPct, filter, normalization);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": metadata crop_pct: " + e.getMessage(), e);
        }
    }

    /** The preprocessing a model without metadata gets. */
    static ImageTransform defaultPreprocessing(ModelConfig config) {
        return new Metadata("defaults", null, null, null, null, null, null, null, null, null, null, null, null)
                .preprocessing(config);
    }

    private static Integer integer(Map<String, String> metadata, String key, String source) {
        String v = metadata.get(key);
        if (v == null) {
            return null;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": metadata " + key + " = '" + v.trim() + "' is not an integer");
        }
    }

    private static Double number(Map<String, String> metadata, String key, String source) {
        String v = metadata.get(key);
        if (v == null) {
            return null;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": metadata " + key + " = '" + v.trim() + "' is not a finite number");
        }
    }

    private float[] floats(String key, String value, int channels) {
        if (value == null) {
            throw new IllegalArgumentException(source + ": metadata has 'mean' or 'std' but not '" + key + "'");
        }
        String[] parts = value.split(",", -1);
        if (parts.length != channels) {
            throw new IllegalArgumentException(source + ": metadata " + key + " = '" + value + "' has " + parts.length
                    + " values for " + channels + " input channels");
        }
        float[] out = new float[channels];
        for (int i = 0; i < channels; i++) {
            try {
                out[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": metadata " + key + " = '" + value + "' is not a list of numbers");
            }
        }
        return out; // Normalization.of checks finiteness and std > 0, naming the channel
    }
}
