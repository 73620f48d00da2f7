package io.github.mobilenetj.bench.onnx;

import static io.github.mobilenetj.reference.OnnxFields.*;

import io.github.mobilenetj.reference.OnnxMobileNetWriter;
import io.github.mobilenetj.reference.ProtoWriter;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes small ONNX graphs of Conv (+ bias, + optional Relu) and Gemm nodes, for the single-layer
 * benchmarks on ONNX Runtime (ir_version 8, opset 13, float32, fixed shapes). Field numbers are those of
 * onnx/onnx.proto, as in {@link OnnxMobileNetWriter}.
 */
public final class OnnxGraphWriter {

    public static final String INPUT = "input";

    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final long[] inputDims;
    private String current = INPUT;
    private int counter;

    public OnnxGraphWriter(long... inputDims) {
        this.inputDims = inputDims.clone();
    }

    /** Conv with bias (weights [out][in/groups][k][k]), square kernel, symmetric padding, then Relu if asked. */
    public OnnxGraphWriter conv(int in, int out, int kernel, int stride, int pad, int groups, float[] weights, float[] bias,
            boolean relu) {
        String name = "conv" + counter++;
        initializers.add(tensor(name + ".weight", new long[] {out, in / groups, kernel, kernel}, weights));
        initializers.add(tensor(name + ".bias", new long[] {out}, bias));
        String convOut = name + ".out";
        nodes.add(node("Conv", name, List.of(current, name + ".weight", name + ".bias"), convOut, List.of(
                ProtoWriter.intAttribute("group", groups),
                ProtoWriter.intsAttribute("kernel_shape", kernel, kernel),
                ProtoWriter.intsAttribute("strides", stride, stride),
                ProtoWriter.intsAttribute("pads", pad, pad, pad, pad),
                ProtoWriter.intsAttribute("dilations", 1, 1))));
        current = convOut;
        if (relu) {
            nodes.add(node("Relu", name + ".relu", List.of(current), name + ".act", List.of()));
            current = name + ".act";
        }
        return this;
    }

    /** Gemm y = x W^T + b with W [out][in], on a 2-D input. */
    public OnnxGraphWriter gemm(int in, int out, float[] weights, float[] bias) {
        String name = "fc" + counter++;
        initializers.add(tensor(name + ".weight", new long[] {out, in}, weights));
        initializers.add(tensor(name + ".bias", new long[] {out}, bias));
        nodes.add(node("Gemm", name, List.of(current, name + ".weight", name + ".bias"), name + ".out", List.of(
                ProtoWriter.floatAttribute("alpha", 1f), ProtoWriter.floatAttribute("beta", 1f),
                ProtoWriter.intAttribute("transA", 0), ProtoWriter.intAttribute("transB", 1))));
        current = name + ".out";
        return this;
    }

    /** The serialized ModelProto; the graph output is the last node's output, named {@link #outputName()}. */
    public byte[] build(long... outputDims) {
        if (nodes.isEmpty()) {
            throw new IllegalStateException("empty graph");
        }
        ProtoWriter graph = new ProtoWriter();
        for (ProtoWriter n : nodes) graph.message(GRAPH_NODE, n);
        graph.string(GRAPH_NAME, "layers");
        for (ProtoWriter t : initializers) graph.message(GRAPH_INITIALIZER, t);
        graph.message(GRAPH_INPUT, valueInfo(INPUT, inputDims));
        graph.message(GRAPH_OUTPUT, valueInfo(current, outputDims));
        return new ProtoWriter()
                .int64(MODEL_IR_VERSION, 8)
                .string(MODEL_PRODUCER_NAME, "mobilenetj-bench")
                .message(MODEL_GRAPH, graph)
                .message(MODEL_OPSET_IMPORT, new ProtoWriter().string(OPSET_DOMAIN, "").int64(OPSET_VERSION, 13))
                .toByteArray();
    }

    /** Name of the graph output once {@link #build} is called. */
    public String outputName() {
        return current;
    }

    private static ProtoWriter node(String opType, String name, List<String> inputs, String output,
            List<ProtoWriter> attributes) {
        ProtoWriter n = new ProtoWriter();
        for (String in : inputs) n.string(NODE_INPUT, in);
        n.string(NODE_OUTPUT, output);
        n.string(NODE_NAME, name);
        n.string(NODE_OP_TYPE, opType);
        for (ProtoWriter a : attributes) n.message(NODE_ATTRIBUTE, a);
        return n;
    }

    private static ProtoWriter tensor(String name, long[] shape, float[] data) {
        ProtoWriter t = new ProtoWriter();
        for (long d : shape) t.int64(TENSOR_DIMS, d);
        t.int64(TENSOR_DATA_TYPE, DATA_TYPE_FLOAT);
        t.string(TENSOR_NAME, name);
        t.bytes(TENSOR_RAW_DATA, ProtoWriter.littleEndian(data));
        return t;
    }

    private static ProtoWriter valueInfo(String name, long[] dims) {
        ProtoWriter shape = new ProtoWriter();
        for (long d : dims) shape.message(SHAPE_DIM, new ProtoWriter().int64(DIM_VALUE, d));
        ProtoWriter tensorType = new ProtoWriter().int64(TENSOR_TYPE_ELEM_TYPE, DATA_TYPE_FLOAT).message(TENSOR_TYPE_SHAPE, shape);
        return new ProtoWriter().string(VALUE_INFO_NAME, name).message(VALUE_INFO_TYPE, new ProtoWriter().message(TYPE_TENSOR_TYPE, tensorType));
    }
}
