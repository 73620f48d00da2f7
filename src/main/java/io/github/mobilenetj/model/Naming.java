package io.github.mobilenetj.model;

import java.util.Collection;

/**
 * How a state_dict names MobileNetV1's tensors.
 *
 * <p>{@link #REFERENCE} is the reference PyTorch module (see {@link Architecture}).
 *
 * <p>{@link #TIMM} is timm's {@code mobilenetv1_100} (EfficientNet builder, {@code dsa} blocks in
 * five stages of 1, 2, 2, 6 and 2 blocks): {@code conv_stem.weight} and {@code bn1.*};
 * {@code blocks.s.b.conv_dw.weight}, {@code blocks.s.b.bn1.*}, {@code blocks.s.b.conv_pw.weight},
 * {@code blocks.s.b.bn2.*}; {@code classifier.weight}, {@code classifier.bias}. Block i of the
 * reference maps to stage s, index b in order. timm's MobileNetV1 uses ReLU6, so a file in this
 * naming gets {@link Activation#RELU6} unless the activation is set explicitly. timm rounds
 * channels to multiples of 8 for α ≠ 1, so its other widths only load where the shapes agree.
 */
enum Naming {
    REFERENCE,
    TIMM;

    private static final int[] TIMM_STAGE_SIZES = {1, 2, 2, 6, 2};

    /** Tensors a state_dict may carry that inference does not use. */
    static boolean isIgnored(String key) {
        return key.endsWith(".num_batches_tracked");
    }

    /** Guesses the naming from the names present. */
    static Naming detect(Collection<String> names) {
        return names.contains("conv_stem.weight") ? TIMM : REFERENCE;
    }

    /** The activation the models of this naming use. */
    Activation activation() {
        return this == TIMM ? Activation.RELU6 : Activation.RELU;
    }

    /** This naming's name for a tensor the reference names {@code referenceKey}. */
    String name(String referenceKey) {
        if (this == REFERENCE) {
            return referenceKey;
        }
        if (referenceKey.startsWith("fc.")) {
            return "classifier." + referenceKey.substring(3);
        }
        String[] parts = referenceKey.split("\\.", 4); // model, i, j, field
        int block = Integer.parseInt(parts[1]);
        int module = Integer.parseInt(parts[2]);
        String field = parts[3];
        if (block == 0) {
            return (module == 0 ? "conv_stem." : "bn1.") + field;
        }
        int index = block - 1;
        int stage = 0;
        while (index >= TIMM_STAGE_SIZES[stage]) {
            index -= TIMM_STAGE_SIZES[stage];
            stage++;
        }
        String prefix = "blocks." + stage + "." + index + ".";
        return prefix + switch (module) {
            case 0 -> "conv_dw.";
            case 1 -> "bn1.";
            case 3 -> "conv_pw.";
            case 4 -> "bn2.";
            default -> throw new IllegalArgumentException("no timm name for " + referenceKey);
        } + field;
    }
}
