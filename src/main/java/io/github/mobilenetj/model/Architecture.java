package io.github.mobilenetj.model;

import io.github.mobilenetj.nn.Conv2d;
import io.github.mobilenetj.nn.GlobalAvgPool;
import io.github.mobilenetj.nn.Layer;
import io.github.mobilenetj.nn.Linear;
import io.github.mobilenetj.nn.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * MobileNetV1 (Howard et al. 2017, Table 1), described once: the layers of a configuration, each
 * with its input shape and the reference state_dict names of its parameters. The network's layer
 * list, the weight shapes a file must have, and the summary table all come from
 * {@link #modules()}; nothing else walks the layer plan.
 *
 * <p>Names follow the reference PyTorch module: {@code model.0} is a standard 3x3 convolution
 * (weights {@code model.0.0.weight}, BatchNorm {@code model.0.1.*}), {@code model.1} to
 * {@code model.13} are depthwise separable blocks (depthwise {@code model.i.0.weight} + BatchNorm
 * {@code model.i.1.*}, pointwise {@code model.i.3.weight} + BatchNorm {@code model.i.4.*}), then
 * global average pooling and {@code fc}. BatchNorm is folded into each convolution, which then has
 * a bias.
 *
 * <p>The paper prints the second-to-last depthwise layer with stride 2; every implementation,
 * the reference model included, uses stride 1 there, and so does this plan.
 */
final class Architecture {

    /** One block of the plan at α = 1: input and output channels, stride, and kind. */
    private record Plan(int inBase, int outBase, int stride, boolean depthwiseSeparable) {
    }

    private static final List<Plan> PLAN = List.of(
            new Plan(-1, 32, 2, false),
            new Plan(32, 64, 1, true), new Plan(64, 128, 2, true), new Plan(128, 128, 1, true),
            new Plan(128, 256, 2, true), new Plan(256, 256, 1, true), new Plan(256, 512, 2, true),
            new Plan(512, 512, 1, true), new Plan(512, 512, 1, true), new Plan(512, 512, 1, true),
            new Plan(512, 512, 1, true), new Plan(512, 512, 1, true),
            new Plan(512, 1024, 2, true), new Plan(1024, 1024, 1, true));

    /** Channels of the last feature map at α = 1, the fully connected layer's input. */
    static final int FEATURES = 1024;

    /**
     * One layer with where its parameters come from.
     *
     * @param layer the layer, BatchNorm folded in
     * @param input its input shape for one image
     * @param weightKey reference state_dict name of its weights, or null
     * @param batchNormPrefix reference name prefix of the BatchNorm folded into it ({@code model.i.j.}), or null
     * @param biasKey reference name of its own bias tensor, or null
     */
    record Module(Layer layer, Shape input, String weightKey, String batchNormPrefix, String biasKey) {

        /** The shapes of the tensors a state_dict holds for this layer, in state_dict order. */
        void tensorShapes(Map<String, long[]> into) {
            switch (layer) {
                case Conv2d conv -> into.put(weightKey, conv.weightShape());
                case Linear linear -> into.put(weightKey, linear.weightShape());
                case GlobalAvgPool pool -> { }
            }
            if (biasKey != null) {
                into.put(biasKey, new long[] {output().channels()});
            }
            if (batchNormPrefix != null) {
                for (String field : BATCH_NORM_FIELDS) {
                    into.put(batchNormPrefix + field, new long[] {output().channels()});
                }
            }
        }

        Shape output() {
            return layer.outputShape(input);
        }
    }

    static final List<String> BATCH_NORM_FIELDS = List.of("weight", "bias", "running_mean", "running_var");

    private final ModelConfig config;
    private final List<Module> modules;

    private Architecture(ModelConfig config, List<Module> modules) {
        this.config = config;
        this.modules = Collections.unmodifiableList(modules);
    }

    /** The layers of {@code config}, in order. */
    static Architecture of(ModelConfig config) {
        return of(config, false);
    }

    /**
     * The paper's comparison network (Table 4): each depthwise separable pair replaced by one
     * standard 3x3 convolution. Only for counting; its modules carry no BatchNorm names.
     */
    static Architecture standardConvolutions(ModelConfig config) {
        return of(config, true);
    }

    private static Architecture of(ModelConfig config, boolean standard) {
        List<Module> modules = new ArrayList<>();
        float cap = config.activation().cap();
        Shape shape = new Shape(1, config.inChannels(), config.resolution(), config.resolution());
        for (int index = 0; index < PLAN.size(); index++) {
            Plan block = PLAN.get(index);
            int in = index == 0 ? config.inChannels() : config.channels(block.inBase());
            int out = config.channels(block.outBase());
            String p = "model." + index + ".";
            if (standard && block.depthwiseSeparable()) {
                shape = add(modules, relu(Conv2d.builder(in, out).kernel(3).stride(block.stride()).padding(1).bias(), cap)
                        .build(), shape, p + "0.weight", null);
            } else if (block.depthwiseSeparable()) {
                shape = add(modules, relu(Conv2d.depthwise(in, 3).stride(block.stride()).padding(1).bias(), cap).build(),
                        shape, p + "0.weight", p + "1.");
                shape = add(modules, relu(Conv2d.pointwise(in, out).bias(), cap).build(), shape, p + "3.weight", p + "4.");
            } else {
                shape = add(modules, relu(Conv2d.builder(in, out).kernel(3).stride(block.stride()).padding(1).bias(), cap)
                        .build(), shape, p + "0.weight", p + "1.");
            }
        }
        shape = add(modules, new GlobalAvgPool(), shape, null, null);
        modules.add(new Module(new Linear(config.channels(FEATURES), config.classes(), true), shape, "fc.weight", null,
                "fc.bias"));
        return new Architecture(config, modules);
    }

    private static Conv2d.Builder relu(Conv2d.Builder conv, float cap) {
        return cap == Float.POSITIVE_INFINITY ? conv.relu() : conv.relu(cap);
    }

    private static Shape add(List<Module> modules, Layer layer, Shape input, String weightKey, String batchNormPrefix) {
        Module m = new Module(layer, input, weightKey, batchNormPrefix, null);
        modules.add(m);
        return m.output();
    }

    ModelConfig config() {
        return config;
    }

    List<Module> modules() {
        return modules;
    }

    /** The network's layers, in order. */
    List<Layer> layers() {
        return modules.stream().map(Module::layer).toList();
    }

    /** The reference state_dict's tensors and their shapes, in state_dict order. */
    Map<String, long[]> tensorShapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Module m : modules) {
            m.tensorShapes(shapes);
        }
        return shapes;
    }

    /** Bytes (float32) of the largest layer output for one image, the input included. */
    long largestActivationBytes() {
        long largest = modules.getFirst().input().itemSize();
        for (Module m : modules) {
            largest = Math.max(largest, m.output().itemSize());
        }
        return largest * Float.BYTES;
    }

    /**
     * Throws unless a session at {@code maxBatchSize} fits {@link ModelConfig#MAX_WORKSPACE_BYTES}:
     * two buffers of the largest activation, for every image of the batch.
     */
    void checkWorkspace(int maxBatchSize) {
        long perImage = largestActivationBytes();
        long workspace = 2 * perImage * maxBatchSize;
        if (workspace > ModelConfig.MAX_WORKSPACE_BYTES) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "α %s at %dx%d needs %.1f MiB per image for its largest activation; a batch of %d would need %.1f GiB"
                            + " of activation buffers per session, more than the %d GiB limit: lower the maximum batch"
                            + " size (at most %d here) or the resolution",
                    config.widthMultiplier(), config.resolution(), config.resolution(), perImage / 1048576.0, maxBatchSize,
                    workspace / 1073741824.0, ModelConfig.MAX_WORKSPACE_BYTES >> 30,
                    Math.max(1, ModelConfig.MAX_WORKSPACE_BYTES / (2 * perImage))));
        }
    }
}
