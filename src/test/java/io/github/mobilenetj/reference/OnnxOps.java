package io.github.mobilenetj.reference;

import static io.github.mobilenetj.reference.OnnxFields.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operators of an ONNX model, read off its protobuf bytes (ModelProto.graph → GraphProto.node →
 * NodeProto.op_type and domain), e.g. of the optimized model ONNX Runtime writes with
 * {@code SessionOptions.setOptimizedModelFilePath}: which nodes its graph transformers fused into what.
 */
public final class OnnxOps {

    /** One node: its operator and domain ("" for the default ONNX domain). */
    public record Op(String opType, String domain, String name) {
        @Override
        public String toString() {
            return domain.isEmpty() ? opType : domain + "." + opType;
        }
    }

    private static final int NODE_DOMAIN = 7;

    private OnnxOps() {
    }

    /** The nodes of the model's main graph, in order. */
    public static List<Op> nodes(byte[] model) {
        List<Op> ops = new ArrayList<>();
        for (byte[] graph : fields(model, MODEL_GRAPH)) {
            for (byte[] node : fields(graph, GRAPH_NODE)) {
                ops.add(new Op(string(node, NODE_OP_TYPE), string(node, NODE_DOMAIN), string(node, NODE_NAME)));
            }
        }
        return ops;
    }

    /** How many nodes of each operator ({@code domain.op_type}), in order of first appearance. */
    public static Map<String, Integer> counts(byte[] model) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Op op : nodes(model)) {
            counts.merge(op.toString(), 1, Integer::sum);
        }
        return counts;
    }

    private static String string(byte[] message, int field) {
        List<byte[]> values = fields(message, field);
        return values.isEmpty() ? "" : new String(values.getLast(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The payloads of every length-delimited occurrence of {@code field} in {@code message}. */
    static List<byte[]> fields(byte[] message, int field) {
        List<byte[]> out = new ArrayList<>();
        int[] pos = {0};
        while (pos[0] < message.length) {
            long key = varint(message, pos);
            int wire = (int) (key & 7);
            int number = (int) (key >>> 3);
            switch (wire) {
                case ProtoWriter.WIRE_VARINT -> varint(message, pos);
                case ProtoWriter.WIRE_I64 -> pos[0] += 8;
                case ProtoWriter.WIRE_I32 -> pos[0] += 4;
                case ProtoWriter.WIRE_LEN -> {
                    int length = Math.toIntExact(varint(message, pos));
                    if (length < 0 || pos[0] + length > message.length) {
                        throw new IllegalArgumentException("length " + length + " at " + pos[0] + " overruns the message");
                    }
                    if (number == field) {
                        byte[] payload = new byte[length];
                        System.arraycopy(message, pos[0], payload, 0, length);
                        out.add(payload);
                    }
                    pos[0] += length;
                }
                default -> throw new IllegalArgumentException("wire type " + wire + " at " + pos[0]);
            }
        }
        return out;
    }

    private static long varint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int x = b[pos[0]++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("varint too long at " + pos[0]);
    }
}
