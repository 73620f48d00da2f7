package io.github.mobilenetj.reference;

import static io.github.mobilenetj.reference.OnnxFields.*;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Writes a MobileNetV1 as an ONNX {@code ModelProto} (ir_version 8, default opset 13), encoded by hand with
 * {@link ProtoWriter}; field numbers are those of onnx/onnx.proto.
 *
 * <p>Graph: input {@code "input"} float [N, C, H, W] (or [N, H, W, C] followed by Transpose perm [0, 3, 1, 2]) with
 * a symbolic batch dimension {@code "N"}; per conv layer a Conv (no bias) + BatchNormalization, or a Conv with the
 * BN folded into weight and bias; Relu or Clip(0, 6); then GlobalAveragePool, Flatten(axis 1) and
 * Gemm(transB 1); output {@code "logits"} float [N, classes]. Initializers are named by their PyTorch state_dict
 * keys and stored as little-endian float32 raw_data. {@link #writeBf16} writes the same network in bfloat16 (opset
 * 22); {@link OnnxQdqWriter} writes a quantized one as a QDQ graph.
 */
public final class OnnxMobileNetWriter {

    public static final long IR_VERSION = 8;
    public static final long OPSET = 13;
    /** The bf16 graph's opset: 22 is the first whose Conv, Gemm, Relu, Clip and GlobalAveragePool accept bfloat16. */
    public static final long BF16_OPSET = 22;
    public static final long BF16_IR_VERSION = 10;
    public static final String PRODUCER = "mobilenetj-reference";
    public static final String INPUT = "input";
    public static final String OUTPUT = "logits";

    private static final String CLIP_MIN = "relu6.min";
    private static final String CLIP_MAX = "relu6.max";

    private OnnxMobileNetWriter() {
    }

    /** NCHW input, BatchNormalization nodes kept. */
    public static byte[] write(MobileNetSpec spec, Function<String, float[]> weights) {
        return write(spec, weights, false, false);
    }

    /**
     * @param spec           the network shape
     * @param weights        state_dict lookup by PyTorch key (lengths are checked against {@link MobileNetSpec#stateDict()})
     * @param nhwcInput      graph input [N, H, W, C] followed by a Transpose to NCHW, instead of an NCHW input
     * @param foldBatchNorm  fold each BN into its conv (in double precision) instead of emitting BatchNormalization
     * @return the serialized ModelProto
     */
    public static byte[] write(MobileNetSpec spec, Function<String, float[]> weights, boolean nhwcInput, boolean foldBatchNorm) {
        return write(spec, weights, nhwcInput, foldBatchNorm, false);
    }

    /**
     * The network in bfloat16: BatchNorm folded (in double precision, then rounded to bf16 to nearest even), every
     * Conv, Relu/Clip, GlobalAveragePool and the Gemm on bf16 tensors, a Cast float → bf16 after the float NCHW
     * input and a Cast bf16 → float before the float logits. This is what a bf16 model looks like to ONNX Runtime;
     * whether its execution provider has kernels for it is another question (its CPU provider registers Conv and
     * Gemm for float only: see bench/README.md).
     */
    public static byte[] writeBf16(MobileNetSpec spec, Function<String, float[]> weights) {
        return write(spec, weights, false, true, true);
    }

    private static byte[] write(MobileNetSpec spec, Function<String, float[]> weights, boolean nhwcInput,
                                boolean foldBatchNorm, boolean bf16) {
        if (bf16 && (!foldBatchNorm || nhwcInput)) {
            throw new IllegalArgumentException("the bf16 graph folds BatchNorm and takes NCHW input");
        }
        for (MobileNetSpec.Param p : spec.stateDict()) {
            float[] t = weights.apply(p.key());
            if (t == null) throw new IllegalArgumentException("missing weight " + p.key());
            if (t.length != p.numel()) {
                throw new IllegalArgumentException(p.key() + " has " + t.length + " values, expected " + p + " = " + p.numel());
            }
        }
        List<ProtoWriter> nodes = new ArrayList<>();
        List<ProtoWriter> initializers = new ArrayList<>();
        int res = spec.resolution();
        int ch = spec.inChannels();

        String x = INPUT;
        ProtoWriter input = nhwcInput
                ? valueInfo(INPUT, "N", res, res, ch)
                : valueInfo(INPUT, "N", ch, res, res);
        if (nhwcInput) {
            nodes.add(node("Transpose", "input.nchw", List.of(x), List.of("input.nchw"),
                    ProtoWriter.intsAttribute("perm", 0, 3, 1, 2)));
            x = "input.nchw";
        }
        if (bf16) {
            nodes.add(node("Cast", "input.bf16", List.of(x), List.of("input.bf16"),
                    ProtoWriter.intAttribute("to", DATA_TYPE_BFLOAT16)));
            x = "input.bf16";
        }
        int elemType = bf16 ? DATA_TYPE_BFLOAT16 : DATA_TYPE_FLOAT;
        if (spec.activation() == MobileNetSpec.Activation.RELU6) {
            initializers.add(tensor(CLIP_MIN, new int[0], new float[] {0f}, elemType));
            initializers.add(tensor(CLIP_MAX, new int[0], new float[] {6f}, elemType));
        }

        for (MobileNetSpec.ConvLayer layer : spec.convLayers()) {
            String wKey = layer.name() + ".weight";
            String bn = layer.bnName();
            float[] w = weights.apply(wKey);
            float[] gamma = weights.apply(bn + ".weight");
            float[] beta = weights.apply(bn + ".bias");
            float[] mean = weights.apply(bn + ".running_mean");
            float[] var = weights.apply(bn + ".running_var");
            List<ProtoWriter> convAttributes = List.of(
                    ProtoWriter.intAttribute("group", layer.groups()),
                    ProtoWriter.intsAttribute("kernel_shape", layer.kernel(), layer.kernel()),
                    ProtoWriter.intsAttribute("strides", layer.stride(), layer.stride()),
                    ProtoWriter.intsAttribute("pads", layer.pad(), layer.pad(), layer.pad(), layer.pad()),
                    ProtoWriter.intsAttribute("dilations", 1, 1));
            String convOut = layer.name() + ".out";
            String bnOut;
            if (foldBatchNorm) {
                float[][] folded = foldBatchNorm(w, layer.out(), gamma, beta, mean, var, spec.bnEpsilon());
                String bKey = layer.name() + ".bias";
                initializers.add(tensor(wKey, layer.weightShape(), folded[0], elemType));
                initializers.add(tensor(bKey, new int[] {layer.out()}, folded[1], elemType));
                nodes.add(node("Conv", layer.name(), List.of(x, wKey, bKey), List.of(convOut), convAttributes));
                bnOut = convOut;
            } else {
                initializers.add(tensor(wKey, layer.weightShape(), w));
                int[] c = {layer.out()};
                initializers.add(tensor(bn + ".weight", c, gamma));
                initializers.add(tensor(bn + ".bias", c, beta));
                initializers.add(tensor(bn + ".running_mean", c, mean));
                initializers.add(tensor(bn + ".running_var", c, var));
                nodes.add(node("Conv", layer.name(), List.of(x, wKey), List.of(convOut), convAttributes));
                bnOut = bn + ".out";
                nodes.add(node("BatchNormalization", bn,
                        List.of(convOut, bn + ".weight", bn + ".bias", bn + ".running_mean", bn + ".running_var"),
                        List.of(bnOut), List.of(ProtoWriter.floatAttribute("epsilon", (float) spec.bnEpsilon()))));
            }
            String actOut = layer.name() + ".act";
            if (spec.activation() == MobileNetSpec.Activation.RELU6) {
                nodes.add(node("Clip", actOut, List.of(bnOut, CLIP_MIN, CLIP_MAX), List.of(actOut), List.of()));
            } else {
                nodes.add(node("Relu", actOut, List.of(bnOut), List.of(actOut), List.of()));
            }
            x = actOut;
        }

        nodes.add(node("GlobalAveragePool", "pool", List.of(x), List.of("pool"), List.of()));
        nodes.add(node("Flatten", "flatten", List.of("pool"), List.of("flatten"),
                List.of(ProtoWriter.intAttribute("axis", 1))));
        initializers.add(tensor("fc.weight", new int[] {spec.classes(), spec.featureChannels()}, weights.apply("fc.weight"),
                elemType));
        initializers.add(tensor("fc.bias", new int[] {spec.classes()}, weights.apply("fc.bias"), elemType));
        String fcOut = bf16 ? "logits.bf16" : OUTPUT;
        nodes.add(node("Gemm", "fc", List.of("flatten", "fc.weight", "fc.bias"), List.of(fcOut), List.of(
                ProtoWriter.floatAttribute("alpha", 1f),
                ProtoWriter.floatAttribute("beta", 1f),
                ProtoWriter.intAttribute("transA", 0),
                ProtoWriter.intAttribute("transB", 1))));
        if (bf16) {
            nodes.add(node("Cast", OUTPUT, List.of(fcOut), List.of(OUTPUT), ProtoWriter.intAttribute("to", DATA_TYPE_FLOAT)));
        }

        String name = "mobilenet_v1_" + spec.alpha() + "_" + spec.resolution() + (bf16 ? "_bf16" : "");
        ProtoWriter output = valueInfo(OUTPUT, "N", spec.classes());
        return bf16 ? model(name, nodes, initializers, input, output, BF16_IR_VERSION, BF16_OPSET)
                : model(name, nodes, initializers, input, output);
    }

    /** A ModelProto (ir_version 8, default opset 13) of one graph. */
    static byte[] model(String name, List<ProtoWriter> nodes, List<ProtoWriter> initializers, ProtoWriter input,
                        ProtoWriter output) {
        return model(name, nodes, initializers, input, output, IR_VERSION, OPSET);
    }

    static byte[] model(String name, List<ProtoWriter> nodes, List<ProtoWriter> initializers, ProtoWriter input,
                        ProtoWriter output, long irVersion, long opset) {
        ProtoWriter graph = new ProtoWriter();
        for (ProtoWriter n : nodes) graph.message(GRAPH_NODE, n);
        graph.string(GRAPH_NAME, name);
        for (ProtoWriter t : initializers) graph.message(GRAPH_INITIALIZER, t);
        graph.message(GRAPH_INPUT, input);
        graph.message(GRAPH_OUTPUT, output);

        return new ProtoWriter()
                .int64(MODEL_IR_VERSION, irVersion)
                .string(MODEL_PRODUCER_NAME, PRODUCER)
                .string(MODEL_PRODUCER_VERSION, "1")
                .message(MODEL_GRAPH, graph)
                .message(MODEL_OPSET_IMPORT, new ProtoWriter().string(OPSET_DOMAIN, "").int64(OPSET_VERSION, opset))
                .toByteArray();
    }

    /**
     * Folds an eval-mode BatchNorm into the preceding bias-free conv, in double precision:
     * {@code w' = w * gamma / sqrt(var + eps)}, {@code b' = beta - mean * gamma / sqrt(var + eps)}.
     *
     * @param weight conv weight [out, ...] (row-major, out-channel first)
     * @param out    output channels
     * @return {folded weight (same shape), bias [out]}
     */
    public static float[][] foldBatchNorm(float[] weight, int out, float[] gamma, float[] beta, float[] mean,
                                          float[] var, double eps) {
        if (weight.length % out != 0) throw new IllegalArgumentException("weight length " + weight.length + " not a multiple of " + out);
        int per = weight.length / out;
        float[] w = new float[weight.length];
        float[] b = new float[out];
        for (int o = 0; o < out; o++) {
            double scale = gamma[o] / Math.sqrt((double) var[o] + eps);
            for (int i = 0; i < per; i++) w[o * per + i] = (float) (weight[o * per + i] * scale);
            b[o] = (float) (beta[o] - mean[o] * scale);
        }
        return new float[][] {w, b};
    }

    static ProtoWriter node(String opType, String name, List<String> inputs, List<String> outputs,
                            ProtoWriter attribute) {
        return node(opType, name, inputs, outputs, List.of(attribute));
    }

    static ProtoWriter node(String opType, String name, List<String> inputs, List<String> outputs,
                            List<ProtoWriter> attributes) {
        ProtoWriter n = new ProtoWriter();
        for (String in : inputs) n.string(NODE_INPUT, in);
        for (String out : outputs) n.string(NODE_OUTPUT, out);
        n.string(NODE_NAME, name);
        n.string(NODE_OP_TYPE, opType);
        for (ProtoWriter a : attributes) n.message(NODE_ATTRIBUTE, a);
        return n;
    }

    static ProtoWriter tensor(String name, int[] shape, float[] data) {
        return tensor(name, shape, DATA_TYPE_FLOAT, ProtoWriter.littleEndian(data));
    }

    /** A float32 or bfloat16 (rounded to nearest even) initializer. */
    static ProtoWriter tensor(String name, int[] shape, float[] data, int dataType) {
        if (dataType == DATA_TYPE_FLOAT) {
            return tensor(name, shape, data);
        }
        if (dataType != DATA_TYPE_BFLOAT16) {
            throw new IllegalArgumentException("float data as type " + dataType);
        }
        byte[] raw = new byte[data.length * 2];
        for (int i = 0; i < data.length; i++) {
            int bits = Float.floatToRawIntBits(data[i]);
            int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16; // round to nearest even (finite values)
            raw[2 * i] = (byte) rounded;
            raw[2 * i + 1] = (byte) (rounded >>> 8);
        }
        return tensor(name, shape, DATA_TYPE_BFLOAT16, raw);
    }

    /** An initializer of any element type from its little-endian raw bytes. */
    static ProtoWriter tensor(String name, int[] shape, int dataType, byte[] raw) {
        ProtoWriter t = new ProtoWriter();
        for (int d : shape) t.int64(TENSOR_DIMS, d);
        t.int64(TENSOR_DATA_TYPE, dataType);
        t.string(TENSOR_NAME, name);
        t.bytes(TENSOR_RAW_DATA, raw);
        return t;
    }

    /** A float tensor ValueInfoProto whose first dimension is the symbolic {@code batchParam}. */
    static ProtoWriter valueInfo(String name, String batchParam, int... dims) {
        ProtoWriter shape = new ProtoWriter();
        shape.message(SHAPE_DIM, new ProtoWriter().string(DIM_PARAM, batchParam));
        for (int d : dims) shape.message(SHAPE_DIM, new ProtoWriter().int64(DIM_VALUE, d));
        ProtoWriter tensorType = new ProtoWriter()
                .int64(TENSOR_TYPE_ELEM_TYPE, DATA_TYPE_FLOAT)
                .message(TENSOR_TYPE_SHAPE, shape);
        ProtoWriter type = new ProtoWriter().message(TYPE_TENSOR_TYPE, tensorType);
        return new ProtoWriter().string(VALUE_INFO_NAME, name).message(VALUE_INFO_TYPE, type);
    }
}
