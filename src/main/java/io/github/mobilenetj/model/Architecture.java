package io.github.mobilenetj.model;

import java.util.ArrayList;
import java.util.List;

/**
 * MobileNetV1's layer plan (Howard et al. 2017, Table 1) in the reference PyTorch module layout:
 * {@code model.0} is a standard 3x3 convolution, {@code model.1} to {@code model.13} are depthwise
 * separable blocks, then global average pooling and {@code fc}.
 *
 * <p>The paper prints the second-to-last depthwise layer with stride 2; every implementation,
 * the reference model included, uses stride 1 there, and so does this plan.
 */
public final class Architecture {

    /** One module of {@code model}: index, input and output channels at α = 1, stride, and kind. */
    public record Block(int index, int inBase, int outBase, int stride, boolean depthwiseSeparable) {
    }

    private static final int[][] SEPARABLE = {
        {32, 64, 1}, {64, 128, 2}, {128, 128, 1}, {128, 256, 2}, {256, 256, 1}, {256, 512, 2},
        {512, 512, 1}, {512, 512, 1}, {512, 512, 1}, {512, 512, 1}, {512, 512, 1},
        {512, 1024, 2}, {1024, 1024, 1}
    };

    /** Channels of the last feature map at α = 1, the fully connected layer's input. */
    public static final int FEATURES = 1024;

    private Architecture() {
    }

    /** The 14 convolution modules in order. */
    public static List<Block> blocks() {
        List<Block> blocks = new ArrayList<>();
        blocks.add(new Block(0, -1, 32, 2, false));
        for (int i = 0; i < SEPARABLE.length; i++) {
            blocks.add(new Block(i + 1, SEPARABLE[i][0], SEPARABLE[i][1], SEPARABLE[i][2], true));
        }
        return List.copyOf(blocks);
    }

    /** Input channels of {@code block} for {@code config} (the image channels for the first). */
    static int inChannels(Block block, ModelConfig config) {
        return block.index() == 0 ? config.inChannels() : config.channels(block.inBase());
    }

    /** Spatial size after a 3x3, padding 1 convolution with {@code stride}. */
    static int downsample(int size, int stride) {
        return (size + 2 - 3) / stride + 1;
    }
}
