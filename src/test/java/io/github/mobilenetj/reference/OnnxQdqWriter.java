package io.github.mobilenetj.reference;

import static io.github.mobilenetj.reference.OnnxFields.*;
import static io.github.mobilenetj.reference.OnnxMobileNetWriter.node;
import static io.github.mobilenetj.reference.OnnxMobileNetWriter.tensor;
import static io.github.mobilenetj.reference.OnnxMobileNetWriter.valueInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a {@link QuantizedMobileNet} as an ONNX QDQ graph (QuantizeLinear / DequantizeLinear around every Conv and
 * the Gemm, opset 13) holding the file's own scales and s8 weight codes, in the form ONNX Runtime's QDQ
 * transformer fuses into its integer kernels: {@code DQ(x) , DQ(w) , DQ(bias) → Conv → Relu|Clip → Q} becomes
 * {@code QLinearConv}, {@code DQ → GlobalAveragePool → Q} becomes {@code QLinearGlobalAveragePool} and
 * {@code DQ(x) , DQ(w) , DQ(bias) → Gemm} (no Q: float logits) becomes {@code QGemm}.
 *
 * <p>How the file's scheme maps onto ONNX's quantization ({@code real = scale × (q − zero_point)}):
 * <ul>
 *   <li>Input: the file quantizes it to s8, zero point 0, {@code q = saturate(round(x / input.scale))}. ORT's QDQ
 *       Conv fusion needs the same type on the input and output of a Conv, and every other activation is u8,
 *       so the input is written as u8 with zero point 128: {@code saturate_u8(round(x / s) + 128)} is exactly
 *       {@code saturate_s8(round(x / s)) + 128}, and {@code q − 128} is the same s8 code.
 *   <li>Weights: the s8 codes as an INT8 initializer, per-output-channel scales (DequantizeLinear axis 0; for
 *       the Gemm's [classes, C] weights that is per output column), zero points 0.
 *   <li>Activations after every ReLU/ReLU6: u8, zero point 0, the file's scale. The Relu (or Clip(0, 6)) stays
 *       in the graph between the Conv and its QuantizeLinear; ORT drops it as redundant (a u8 zero point of 0
 *       already clips at 0; for ReLU6 the scale × 255 ≤ 6), which is what oneDNN's post-op does too.
 *   <li>Bias: the file's float bias, which the library adds in float after dequantizing the accumulator. ONNX's
 *       QLinearConv and QGemm take an int32 bias on the accumulator's grid, so it is written as
 *       {@code round(bias[o] / (s_in × w_scale[o]))} with DequantizeLinear scale {@code s_in × w_scale[o]}: a
 *       difference of at most half an accumulator step, by construction.
 *   <li>Global average pooling: u8 in, u8 out, the same scale (the library averages u8 codes into u8 codes).
 *   <li>Classifier: u8 input (after Flatten, done on the u8 tensor), float logits, no output quantization.
 * </ul>
 *
 * <p>Only files with every layer in 8 bits are written (the library's default mix); a layer stored in float is
 * refused with its name.
 */
public final class OnnxQdqWriter {

    /** The output of a graph cut after a convolution. */
    public static final String ACTIVATION = "activation";

    private OnnxQdqWriter() {
    }

    /** The QDQ model of {@code q}: input "input" float [N, C, R, R], output "logits" float [N, classes]. */
    public static byte[] write(QuantizedMobileNet q) {
        return write(q, -1);
    }

    /**
     * The QDQ model of {@code q} cut after convolution {@code lastConv} (0..26), whose u8 output is the graph's
     * output, dequantized ({@code scale × code}, float [N, C, H, W], named "activation"): for comparing
     * activations layer by layer. A negative {@code lastConv} gives the whole network.
     */
    public static byte[] write(QuantizedMobileNet q, int lastConv) {
        MobileNetSpec spec = q.spec();
        for (QuantizedMobileNet.Layer layer : q.layers()) {
            if (!layer.quantized()) {
                throw new IllegalArgumentException("layer " + layer.name() + " is stored in float; the QDQ writer takes"
                        + " files whose every layer is 8-bit");
            }
        }
        List<ProtoWriter> nodes = new ArrayList<>();
        List<ProtoWriter> inits = new ArrayList<>();
        int res = spec.resolution();
        ProtoWriter input = valueInfo(OnnxMobileNetWriter.INPUT, "N", spec.inChannels(), res, res);

        // Network input: u8 with zero point 128 (= the file's s8 codes + 128).
        inits.add(scalarFloat("input.scale", q.inputScale()));
        inits.add(scalarU8("input.zero_point", 128));
        nodes.add(node("QuantizeLinear", "input.q", List.of(OnnxMobileNetWriter.INPUT, "input.scale", "input.zero_point"),
                List.of("input.q"), List.of()));
        String x = "input.q";
        String xScale = "input.scale";
        String xZero = "input.zero_point";
        float sIn = q.inputScale();
        if (spec.activation() == MobileNetSpec.Activation.RELU6) {
            inits.add(tensor("relu6.min", new int[0], new float[] {0f}));
            inits.add(tensor("relu6.max", new int[0], new float[] {6f}));
        }
        inits.add(scalarU8("u8.zero_point", 0));

        List<MobileNetSpec.ConvLayer> convs = spec.convLayers();
        for (int l = 0; l < convs.size(); l++) {
            MobileNetSpec.ConvLayer conv = convs.get(l);
            QuantizedMobileNet.Layer layer = q.layers().get(l);
            String n = conv.name();
            String xf = dequantize(nodes, x, xScale, xZero);
            String wf = weights(nodes, inits, layer, layer.shape());
            String bf = bias(nodes, inits, layer, sIn);
            nodes.add(node("Conv", n, List.of(xf, wf, bf), List.of(n + ".out"), List.of(
                    ProtoWriter.intAttribute("group", conv.groups()),
                    ProtoWriter.intsAttribute("kernel_shape", conv.kernel(), conv.kernel()),
                    ProtoWriter.intsAttribute("strides", conv.stride(), conv.stride()),
                    ProtoWriter.intsAttribute("pads", conv.pad(), conv.pad(), conv.pad(), conv.pad()),
                    ProtoWriter.intsAttribute("dilations", 1, 1))));
            String act = n + ".act";
            if (spec.activation() == MobileNetSpec.Activation.RELU6) {
                nodes.add(node("Clip", act, List.of(n + ".out", "relu6.min", "relu6.max"), List.of(act), List.of()));
            } else {
                nodes.add(node("Relu", act, List.of(n + ".out"), List.of(act), List.of()));
            }
            String scale = n + ".output_scale";
            inits.add(scalarFloat(scale, layer.outputScale()));
            x = n + ".q";
            nodes.add(node("QuantizeLinear", x, List.of(act, scale, "u8.zero_point"), List.of(x), List.of()));
            xScale = scale;
            xZero = "u8.zero_point";
            sIn = layer.outputScale();
            if (l == lastConv) {
                int size = spec.resolution();
                for (int k = 0; k <= l; k++) {
                    size = convs.get(k).outSize(size);
                }
                nodes.add(node("DequantizeLinear", ACTIVATION, List.of(x, xScale, xZero), List.of(ACTIVATION), List.of()));
                return OnnxMobileNetWriter.model("mobilenet_v1_" + spec.alpha() + "_" + res + "_qdq_to_" + n, nodes, inits,
                        input, valueInfo(ACTIVATION, "N", conv.out(), size, size));
            }
        }

        // Global average pooling, u8 -> u8 with the same scale, then Flatten on the codes.
        String pooled = dequantize(nodes, x, xScale, xZero);
        nodes.add(node("GlobalAveragePool", "pool", List.of(pooled), List.of("pool"), List.of()));
        nodes.add(node("QuantizeLinear", "pool.q", List.of("pool", xScale, xZero), List.of("pool.q"), List.of()));
        nodes.add(node("Flatten", "flatten", List.of("pool.q"), List.of("flatten.q"),
                List.of(ProtoWriter.intAttribute("axis", 1))));

        QuantizedMobileNet.Layer fc = q.layers().getLast();
        String af = dequantize(nodes, "flatten.q", xScale, xZero);
        String wf = weights(nodes, inits, fc, fc.shape());
        String bf = bias(nodes, inits, fc, sIn);
        nodes.add(node("Gemm", "fc", List.of(af, wf, bf), List.of(OnnxMobileNetWriter.OUTPUT), List.of(
                ProtoWriter.floatAttribute("alpha", 1f),
                ProtoWriter.floatAttribute("beta", 1f),
                ProtoWriter.intAttribute("transA", 0),
                ProtoWriter.intAttribute("transB", 1))));

        return OnnxMobileNetWriter.model("mobilenet_v1_" + spec.alpha() + "_" + res + "_qdq", nodes, inits, input,
                valueInfo(OnnxMobileNetWriter.OUTPUT, "N", spec.classes()));
    }

    /** DequantizeLinear of an activation; returns its float output's name. */
    private static String dequantize(List<ProtoWriter> nodes, String x, String scale, String zero) {
        String out = x + ".dq";
        nodes.add(node("DequantizeLinear", out, List.of(x, scale, zero), List.of(out), List.of()));
        return out;
    }

    /** The s8 codes, their per-output-channel scales and zero points, and their DequantizeLinear (axis 0). */
    private static String weights(List<ProtoWriter> nodes, List<ProtoWriter> inits, QuantizedMobileNet.Layer layer,
                                  int[] shape) {
        String n = layer.name();
        int out = layer.outChannels();
        inits.add(tensor(n + ".weight", shape, DATA_TYPE_INT8, layer.codes()));
        inits.add(tensor(n + ".weight_scale", new int[] {out}, layer.weightScale()));
        inits.add(tensor(n + ".weight_zero_point", new int[] {out}, DATA_TYPE_INT8, new byte[out]));
        String wf = n + ".weight.dq";
        nodes.add(node("DequantizeLinear", wf, List.of(n + ".weight", n + ".weight_scale", n + ".weight_zero_point"),
                List.of(wf), ProtoWriter.intAttribute("axis", 0)));
        return wf;
    }

    /** The bias on the accumulator's grid, {@code round(b / (s_in · w_scale[o]))} as int32, and its DequantizeLinear. */
    private static String bias(List<ProtoWriter> nodes, List<ProtoWriter> inits, QuantizedMobileNet.Layer layer,
                               float inputScale) {
        String n = layer.name();
        int out = layer.outChannels();
        float[] scales = new float[out];
        ByteBuffer codes = ByteBuffer.allocate(4 * out).order(ByteOrder.LITTLE_ENDIAN);
        for (int o = 0; o < out; o++) {
            scales[o] = inputScale * layer.weightScale()[o];
            double code = Math.rint(layer.bias()[o] / (double) scales[o]);
            if (Math.abs(code) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(n + ".bias[" + o + "] = " + layer.bias()[o] + " is " + code
                        + " accumulator steps (input scale " + inputScale + " × weight scale " + layer.weightScale()[o]
                        + "): outside int32");
            }
            codes.putInt((int) code);
        }
        inits.add(tensor(n + ".bias_q", new int[] {out}, DATA_TYPE_INT32, codes.array()));
        inits.add(tensor(n + ".bias_scale", new int[] {out}, scales));
        inits.add(tensor(n + ".bias_zero_point", new int[] {out}, DATA_TYPE_INT32, new byte[4 * out]));
        String bf = n + ".bias.dq";
        nodes.add(node("DequantizeLinear", bf, List.of(n + ".bias_q", n + ".bias_scale", n + ".bias_zero_point"),
                List.of(bf), ProtoWriter.intAttribute("axis", 0)));
        return bf;
    }

    private static ProtoWriter scalarFloat(String name, float value) {
        return tensor(name, new int[0], new float[] {value});
    }

    private static ProtoWriter scalarU8(String name, int value) {
        return tensor(name, new int[0], DATA_TYPE_UINT8, new byte[] {(byte) value});
    }
}
