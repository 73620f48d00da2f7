package io.github.mobilenetj.bench.onnx;

// Copied from src/test/java/io/github/mobilenetj/reference/MobileNetSpec.java (test scope of the root project); keep in sync.

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shape of a MobileNetV1 in the reference PyTorch layout.
 *
 * <pre>
 * conv_bn(in, c(32), 2), conv_dw(c(32), c(64), 1), conv_dw(c(64), c(128), 2), conv_dw(c(128), c(128), 1),
 * conv_dw(c(128), c(256), 2), conv_dw(c(256), c(256), 1), conv_dw(c(256), c(512), 2), 5 x conv_dw(c(512), c(512), 1),
 * conv_dw(c(512), c(1024), 2), conv_dw(c(1024), c(1024), 1), AdaptiveAvgPool2d(1), Linear(c(1024), classes)
 * with c(n) = (int) (n * alpha)
 * </pre>
 *
 * Module names: {@code model.0.0} conv + {@code model.0.1} BN; for block i = 1..13 {@code model.i.0} depthwise
 * conv, {@code model.i.1} BN, {@code model.i.3} pointwise conv, {@code model.i.4} BN; {@code fc}.
 *
 * @param alpha      width multiplier
 * @param resolution input height = width
 * @param inChannels input channels (3 for RGB)
 * @param classes    number of logits
 * @param activation activation after every BN
 * @param bnEpsilon  BatchNorm epsilon (PyTorch default 1e-5; Keras uses 1e-3)
 */
public record MobileNetSpec(double alpha, int resolution, int inChannels, int classes, Activation activation, double bnEpsilon) {

    public enum Activation { RELU, RELU6 }

    /** PyTorch's BatchNorm2d default epsilon. */
    public static final double DEFAULT_BN_EPSILON = 1e-5;

    /** The (output width, stride) of the 13 depthwise-separable blocks, before the width multiplier. */
    private static final int[][] BLOCKS = {
        {64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},
        {512, 1}, {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1},
    };

    public MobileNetSpec {
        if (!(alpha > 0) || Double.isInfinite(alpha)) throw new IllegalArgumentException("alpha must be > 0: " + alpha);
        if ((int) (32 * alpha) < 1) throw new IllegalArgumentException("alpha too small, c(32) = 0: " + alpha);
        if (resolution < 1) throw new IllegalArgumentException("resolution must be >= 1: " + resolution);
        if (inChannels < 1) throw new IllegalArgumentException("inChannels must be >= 1: " + inChannels);
        if (classes < 1) throw new IllegalArgumentException("classes must be >= 1: " + classes);
        if (activation == null) throw new IllegalArgumentException("activation is null");
        if (!(bnEpsilon >= 0)) throw new IllegalArgumentException("bnEpsilon must be >= 0: " + bnEpsilon);
    }

    /** 3 input channels, ReLU, BN epsilon 1e-5. */
    public static MobileNetSpec of(double alpha, int resolution, int classes) {
        return new MobileNetSpec(alpha, resolution, 3, classes, Activation.RELU, DEFAULT_BN_EPSILON);
    }

    public MobileNetSpec withInChannels(int newInChannels) {
        return new MobileNetSpec(alpha, resolution, newInChannels, classes, activation, bnEpsilon);
    }

    public MobileNetSpec withActivation(Activation newActivation) {
        return new MobileNetSpec(alpha, resolution, inChannels, classes, newActivation, bnEpsilon);
    }

    public MobileNetSpec withBnEpsilon(double newEpsilon) {
        return new MobileNetSpec(alpha, resolution, inChannels, classes, activation, newEpsilon);
    }

    public MobileNetSpec withClasses(int newClasses) {
        return new MobileNetSpec(alpha, resolution, inChannels, newClasses, activation, bnEpsilon);
    }

    /** The width multiplier applied to a channel count: {@code (int) (n * alpha)}. */
    public int c(int n) {
        return (int) (n * alpha);
    }

    /** Channels entering the pooling / fc layer: c(1024). */
    public int featureChannels() {
        return c(1024);
    }

    /** Spatial size (height = width) of the last feature map, before the global average. */
    public int finalFeatureSize() {
        int size = resolution;
        for (ConvLayer layer : convLayers()) {
            size = layer.outSize(size);
        }
        return size;
    }

    /**
     * One convolution and the BatchNorm after it.
     *
     * @param name   conv module name, e.g. {@code model.1.0} (its weight key is {@code name + ".weight"})
     * @param bnName BN module name, e.g. {@code model.1.1}
     * @param in     input channels
     * @param out    output channels
     * @param kernel square kernel size
     * @param stride stride in both directions
     * @param pad    zero padding on every side
     * @param groups conv groups (in for depthwise, 1 otherwise)
     */
    public record ConvLayer(String name, String bnName, int in, int out, int kernel, int stride, int pad, int groups) {

        public boolean depthwise() {
            return groups > 1 && groups == in && in == out;
        }

        /** Weight shape [out, in/groups, kernel, kernel]. */
        public int[] weightShape() {
            return new int[] {out, in / groups, kernel, kernel};
        }

        /** Output spatial size for an input of the given size: (size + 2 pad - kernel) / stride + 1. */
        public int outSize(int inSize) {
            return (inSize + 2 * pad - kernel) / stride + 1;
        }
    }

    /** All 27 conv layers in forward order. */
    public List<ConvLayer> convLayers() {
        List<ConvLayer> layers = new ArrayList<>(27);
        int first = c(32);
        layers.add(new ConvLayer("model.0.0", "model.0.1", inChannels, first, 3, 2, 1, 1));
        int in = first;
        for (int i = 0; i < BLOCKS.length; i++) {
            int out = c(BLOCKS[i][0]);
            int stride = BLOCKS[i][1];
            String block = "model." + (i + 1);
            layers.add(new ConvLayer(block + ".0", block + ".1", in, in, 3, stride, 1, in));
            layers.add(new ConvLayer(block + ".3", block + ".4", in, out, 1, 1, 0, 1));
            in = out;
        }
        return Collections.unmodifiableList(layers);
    }

    /** What a state_dict entry is. */
    public enum Role {
        CONV_WEIGHT(true), BN_WEIGHT(true), BN_BIAS(true), BN_RUNNING_MEAN(false), BN_RUNNING_VAR(false),
        FC_WEIGHT(true), FC_BIAS(true);

        private final boolean trainable;

        Role(boolean trainable) {
            this.trainable = trainable;
        }

        /** Whether torchsummary counts it as a parameter (running statistics are buffers). */
        public boolean trainable() {
            return trainable;
        }
    }

    /**
     * One state_dict entry. (Equality of the shape array is by reference, as for any record with an array.)
     *
     * @param key   PyTorch state_dict key
     * @param shape tensor shape
     * @param role  what it is
     */
    public record Param(String key, int[] shape, Role role) {
        public int numel() {
            int n = 1;
            for (int d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        @Override
        public String toString() {
            return key + Arrays.toString(shape);
        }
    }

    /**
     * The float state_dict entries in PyTorch order (module registration order; within a BN: weight, bias,
     * running_mean, running_var). The int64 {@code num_batches_tracked} buffers of the BNs are not listed: they do
     * not take part in inference.
     */
    public List<Param> stateDict() {
        List<Param> params = new ArrayList<>(27 * 5 + 2);
        for (ConvLayer layer : convLayers()) {
            params.add(new Param(layer.name() + ".weight", layer.weightShape(), Role.CONV_WEIGHT));
            int[] c = {layer.out()};
            params.add(new Param(layer.bnName() + ".weight", c.clone(), Role.BN_WEIGHT));
            params.add(new Param(layer.bnName() + ".bias", c.clone(), Role.BN_BIAS));
            params.add(new Param(layer.bnName() + ".running_mean", c.clone(), Role.BN_RUNNING_MEAN));
            params.add(new Param(layer.bnName() + ".running_var", c.clone(), Role.BN_RUNNING_VAR));
        }
        params.add(new Param("fc.weight", new int[] {classes, featureChannels()}, Role.FC_WEIGHT));
        params.add(new Param("fc.bias", new int[] {classes}, Role.FC_BIAS));
        return Collections.unmodifiableList(params);
    }

    /** The state_dict keys with their shapes, in state_dict order. */
    public Map<String, int[]> stateDictShapes() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (Param p : stateDict()) {
            shapes.put(p.key(), p.shape());
        }
        return shapes;
    }

    /**
     * Parameter count as torchsummary reports it: conv weights + BN gamma and beta + fc weight and bias
     * (4,231,976 for alpha 1.0 and 1000 classes).
     */
    public long trainableParameterCount() {
        long n = 0;
        for (Param p : stateDict()) {
            if (p.role().trainable()) n += p.numel();
        }
        return n;
    }
}
