package io.github.mobilenetj.bench;

import io.github.mobilenetj.bench.onnx.OnnxGraphWriter;
import io.github.mobilenetj.nn.Conv2d;
import io.github.mobilenetj.nn.Layer;
import io.github.mobilenetj.nn.Linear;
import io.github.mobilenetj.nn.ParameterStore;
import io.github.mobilenetj.nn.Shape;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The single-layer workloads, taken from MobileNetV1 α 1.0 at 224x224, batch 1. Convolutions carry a bias
 * (BatchNorm already folded) and a fused ReLU, as in the network; the FC layer has a bias and no activation.
 * Weights are seeded random (He-scaled), identical for mobilenetj and ONNX Runtime.
 */
public enum LayerCase {
    /** Block 1's depthwise 3x3: 32 channels, 112x112, stride 1, pad 1. */
    DW_32x112(new Shape(1, 32, 112, 112), List.of(Op.depthwise(32, 1))),
    /** Block 1's pointwise 1x1: 32 → 64 channels at 112x112. */
    PW_32to64x112(new Shape(1, 32, 112, 112), List.of(Op.pointwise(32, 64))),
    /** One of the five 14x14 blocks: depthwise 3x3 512 ch + pointwise 512 → 512. */
    BLOCK_512x14(new Shape(1, 512, 14, 14), List.of(Op.depthwise(512, 1), Op.pointwise(512, 512))),
    /** The last block: depthwise 3x3 1024 ch + pointwise 1024 → 1024 at 7x7. */
    BLOCK_1024x7(new Shape(1, 1024, 7, 7), List.of(Op.depthwise(1024, 1), Op.pointwise(1024, 1024))),
    /** The classifier: fully connected 1024 → 1000 with bias, on the pooled features. */
    FC_1024to1000(new Shape(1, 1024, 1, 1), List.of(Op.fc(1024, 1000)));

    /** One layer: a convolution (square kernel, symmetric padding) or a fully connected layer. */
    record Op(boolean fc, int in, int out, int kernel, int stride, int pad, int groups) {
        static Op depthwise(int channels, int stride) {
            return new Op(false, channels, channels, 3, stride, 1, channels);
        }

        static Op pointwise(int in, int out) {
            return new Op(false, in, out, 1, 1, 0, 1);
        }

        static Op fc(int in, int out) {
            return new Op(true, in, out, 1, 1, 0, 1);
        }

        int weightCount() {
            return out * (in / groups) * kernel * kernel;
        }

        int outSize(int size) {
            return (size + 2 * pad - kernel) / stride + 1;
        }
    }

    private final Shape input;
    private final List<Op> ops;

    LayerCase(Shape input, List<Op> ops) {
        this.input = input;
        this.ops = ops;
    }

    public Shape input() {
        return input;
    }

    /** Weights and biases of every op, from a fixed seed. */
    private List<float[][]> parameters() {
        SplittableRandom random = new SplittableRandom(Support.WEIGHT_SEED + ordinal());
        List<float[][]> params = new ArrayList<>();
        for (Op op : ops) {
            float[] w = Support.randomArray(op.weightCount(), random, Math.sqrt(2.0 / (op.weightCount() / op.out())));
            float[] b = Support.randomArray(op.out(), random, 0.05);
            params.add(new float[][] {w, b});
        }
        return params;
    }

    /** The layers for mobilenetj's nn API (their parameters: {@link #fill}). */
    public List<Layer> layers() {
        List<Layer> layers = new ArrayList<>();
        for (Op op : ops) {
            if (op.fc()) {
                layers.add(new Linear(op.in(), op.out(), true));
            } else {
                layers.add(Conv2d.builder(op.in(), op.out()).kernel(op.kernel()).stride(op.stride()).padding(op.pad())
                        .groups(op.groups()).bias().relu().build());
            }
        }
        return layers;
    }

    /** Puts every layer's weights and bias into {@code store}, as layer i of {@link #layers()}. */
    public void fill(ParameterStore store) {
        List<Layer> layers = layers();
        List<float[][]> params = parameters();
        for (int i = 0; i < layers.size(); i++) {
            long[] shape = layers.get(i) instanceof Conv2d c ? c.weightShape() : ((Linear) layers.get(i)).weightShape();
            MemorySegment.copy(params.get(i)[0], 0, store.allocateWeights(i, shape), ValueLayout.JAVA_FLOAT, 0,
                    params.get(i)[0].length);
            MemorySegment.copy(params.get(i)[1], 0, store.allocateBias(i, params.get(i)[1].length), ValueLayout.JAVA_FLOAT,
                    0, params.get(i)[1].length);
        }
    }

    /** ONNX input dims: NCHW, or [N, C] for the FC layer. */
    public long[] onnxInputDims() {
        return ops.get(0).fc() ? new long[] {input.batch(), (long) input.channels() * input.height() * input.width()}
                : input.dims();
    }

    public long[] onnxOutputDims() {
        Op last = ops.get(ops.size() - 1);
        if (last.fc()) {
            return new long[] {input.batch(), last.out()};
        }
        int h = input.height();
        int w = input.width();
        for (Op op : ops) {
            h = op.outSize(h);
            w = op.outSize(w);
        }
        return new long[] {input.batch(), last.out(), h, w};
    }

    /** The same layers and weights as an ONNX graph (Conv + Relu, or Gemm). */
    public byte[] onnx() {
        OnnxGraphWriter g = new OnnxGraphWriter(onnxInputDims());
        List<float[][]> params = parameters();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op.fc()) {
                g.gemm(op.in(), op.out(), params.get(i)[0], params.get(i)[1]);
            } else {
                g.conv(op.in(), op.out(), op.kernel(), op.stride(), op.pad(), op.groups(), params.get(i)[0], params.get(i)[1], true);
            }
        }
        return g.build(onnxOutputDims());
    }

    /** Multiply-adds of one run, for GFLOP/s in the report. */
    public long multiplyAdds() {
        long total = 0;
        int h = input.height();
        int w = input.width();
        for (Op op : ops) {
            h = op.outSize(h);
            w = op.outSize(w);
            total += (long) op.weightCount() * h * w;
        }
        return total;
    }
}
