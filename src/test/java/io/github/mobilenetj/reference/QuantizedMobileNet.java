package io.github.mobilenetj.reference;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A quantized MobileNetV1 read from a quantized safetensors file, version 1 (specified in
 * {@code native/README.md}, "Quantized safetensors"): s8 weight codes with per-output-channel F32 scales (or F32
 * weights for a layer kept in float), F32 biases after BatchNorm folding, one F32 scale per activation tensor.
 * Read here with a parser of its own (safetensors layout + {@link MiniJson}), independently of the library's
 * {@code QuantizedFile}, so that an independent engine can be fed exactly what the file says.
 *
 * <p>Scales are dequantization factors: {@code real = scale × code}. The input is s8 with zero point 0
 * ({@code input.scale}); every convolution output is u8 with zero point 0 ({@code model.b.(j+2).scale} for the
 * ReLU after module {@code model.b.j}).
 *
 * @param spec        the architecture the metadata describes
 * @param weightMax   the largest weight code magnitude (127, or 63 for 7-bit weights)
 * @param metadata    the file's {@code __metadata__}
 * @param inputScale  the input's scale
 * @param layers      the 27 convolutions in forward order, then the classifier ({@code fc})
 */
public record QuantizedMobileNet(MobileNetSpec spec, int weightMax, Map<String, String> metadata, float inputScale,
                                 List<Layer> layers) {

    /**
     * One layer.
     *
     * @param name        module name ({@code model.1.3}, {@code fc})
     * @param shape       weight shape ([O, I/g, k, k] or [classes, C])
     * @param codes       s8 weight codes, row-major, or null when the layer is stored in float
     * @param weights     float weights when the layer is stored in float, else null
     * @param weightScale per-output-channel scales of {@code codes} (null for a float layer)
     * @param bias        float bias [O]
     * @param outputScale the u8 scale of the output after the activation (NaN for {@code fc}: float logits)
     */
    public record Layer(String name, int[] shape, byte[] codes, float[] weights, float[] weightScale, float[] bias,
                        float outputScale) {

        public boolean quantized() {
            return codes != null;
        }

        public int outChannels() {
            return shape[0];
        }

        /** The weights the codes stand for: {@code weightScale[o] × code}. */
        public float[] dequantizedWeights() {
            if (!quantized()) {
                return weights.clone();
            }
            int per = codes.length / shape[0];
            float[] w = new float[codes.length];
            for (int i = 0; i < w.length; i++) {
                w[i] = weightScale[i / per] * codes[i];
            }
            return w;
        }
    }

    /**
     * This model with every bias moved to the nearest point of its layer's accumulator grid, {@code b' = s_in ×
     * w_scale[o] × round(b / (s_in × w_scale[o]))}, where {@code s_in} is the scale of the layer's input: the bias an
     * engine that adds an int32 bias to the accumulator (ONNX QLinearConv, QGemm) can represent exactly. With it, an
     * engine that adds the float bias after dequantizing (the library, oneDNN) computes the same real numbers, and
     * the two differ only by float rounding.
     */
    public QuantizedMobileNet withBiasesOnAccumulatorGrid() {
        List<Layer> moved = new ArrayList<>();
        float sIn = inputScale;
        for (Layer layer : layers) {
            float[] b = layer.bias().clone();
            for (int o = 0; o < b.length; o++) {
                float step = sIn * layer.weightScale()[o];
                b[o] = (float) (Math.rint(b[o] / (double) step) * step);
            }
            moved.add(new Layer(layer.name(), layer.shape(), layer.codes(), layer.weights(), layer.weightScale(), b,
                    layer.outputScale()));
            sIn = layer.outputScale();
        }
        return new QuantizedMobileNet(spec, weightMax, metadata, inputScale, List.copyOf(moved));
    }

    /**
     * Writes this model as a quantized safetensors file in the layout {@link #read} reads (tensors in the order of
     * the specification, the metadata as read), for feeding an altered model to another reader.
     */
    public void write(Path file) throws IOException {
        record Entry(String name, String dtype, int[] shape, byte[] raw) {
        }
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry("input.scale", "F32", new int[] {1}, le(new float[] {inputScale})));
        List<MobileNetSpec.ConvLayer> convs = spec.convLayers();
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            int[] channels = {layer.outChannels()};
            if (layer.quantized()) {
                entries.add(new Entry(layer.name() + ".weight", "I8", layer.shape(), layer.codes()));
                entries.add(new Entry(layer.name() + ".weight_scale", "F32", channels, le(layer.weightScale())));
            } else {
                entries.add(new Entry(layer.name() + ".weight", "F32", layer.shape(), le(layer.weights())));
            }
            entries.add(new Entry(layer.name() + ".bias", "F32", channels, le(layer.bias())));
            if (l < convs.size()) {
                entries.add(new Entry(outputScaleName(layer.name()), "F32", new int[] {1},
                        le(new float[] {layer.outputScale()})));
            }
        }
        StringBuilder header = new StringBuilder("{\"__metadata__\":{");
        String separator = "";
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(metadata).entrySet()) {
            header.append(separator).append(quote(e.getKey())).append(':').append(quote(e.getValue()));
            separator = ",";
        }
        header.append('}');
        long offset = 0;
        for (Entry e : entries) {
            header.append(',').append(quote(e.name())).append(":{\"dtype\":\"").append(e.dtype()).append("\",\"shape\":")
                    .append(Arrays.toString(e.shape()).replace(" ", "")).append(",\"data_offsets\":[").append(offset)
                    .append(',').append(offset + e.raw().length).append("]}");
            offset += e.raw().length;
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h);
        for (Entry e : entries) {
            out.put(e.raw());
        }
        Files.write(file, out.array());
    }

    /** {@code model.b.j} -> {@code model.b.(j+2).scale}: the scale of the ReLU output after conv module j. */
    static String outputScaleName(String conv) {
        String[] parts = conv.split("\\.");
        return parts[0] + "." + parts[1] + "." + (Integer.parseInt(parts[2]) + 2) + ".scale";
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static byte[] le(float[] values) {
        return ProtoWriter.littleEndian(values);
    }

    public static QuantizedMobileNet read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    /** Parses the bytes of a quantized safetensors file; {@code source} names it in error messages. */
    @SuppressWarnings("unchecked")
    public static QuantizedMobileNet read(byte[] bytes, String source) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 8) {
            throw new IllegalArgumentException(source + ": shorter than the 8-byte header length");
        }
        long headerLength = buffer.getLong(0);
        if (headerLength < 2 || headerLength > bytes.length - 8) {
            throw new IllegalArgumentException(source + ": header length " + headerLength + " does not fit the file");
        }
        int dataStart = 8 + (int) headerLength;
        Map<String, Object> header = (Map<String, Object>) MiniJson.parse(
                new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        Map<String, String> metadata = new LinkedHashMap<>();
        Object meta = header.remove("__metadata__");
        if (meta instanceof Map<?, ?> m) {
            m.forEach((k, v) -> metadata.put((String) k, (String) v));
        }
        if (!"mobilenetj-quantized".equals(metadata.get("format"))) {
            throw new IllegalArgumentException(source + ": format is '" + metadata.get("format")
                    + "', expected mobilenetj-quantized");
        }
        if (!"1".equals(metadata.get("quantization_version"))) {
            throw new IllegalArgumentException(source + ": quantization_version " + metadata.get("quantization_version")
                    + ", this reader knows 1");
        }
        MobileNetSpec spec = new MobileNetSpec(Double.parseDouble(required(metadata, "width_multiplier", source)),
                Integer.parseInt(required(metadata, "resolution", source)),
                Integer.parseInt(required(metadata, "in_channels", source)),
                Integer.parseInt(required(metadata, "num_classes", source)),
                switch (required(metadata, "activation", source)) {
                    case "relu" -> MobileNetSpec.Activation.RELU;
                    case "relu6" -> MobileNetSpec.Activation.RELU6;
                    default -> throw new IllegalArgumentException(source + ": activation '" + metadata.get("activation") + "'");
                },
                Double.parseDouble(metadata.getOrDefault("bn_eps", "1e-5")));
        int weightMax = Integer.parseInt(metadata.getOrDefault("weight_max", "127"));

        Tensors t = new Tensors(header, bytes, dataStart, source);
        float inputScale = t.scalar("input.scale");
        List<Layer> layers = new ArrayList<>();
        for (MobileNetSpec.ConvLayer conv : spec.convLayers()) {
            layers.add(t.layer(conv.name(), conv.weightShape(), weightMax, t.scalar(outputScaleName(conv.name()))));
        }
        layers.add(t.layer("fc", new int[] {spec.classes(), spec.featureChannels()}, weightMax, Float.NaN));
        Set<String> unexpected = new HashSet<>(header.keySet());
        unexpected.removeAll(t.used);
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(source + ": tensors not in a quantized MobileNetV1: " + unexpected);
        }
        return new QuantizedMobileNet(spec, weightMax, Map.copyOf(metadata), inputScale, List.copyOf(layers));
    }

    private static String required(Map<String, String> metadata, String key, String source) {
        String v = metadata.get(key);
        if (v == null) {
            throw new IllegalArgumentException(source + ": metadata '" + key + "' is missing");
        }
        return v;
    }

    /** Typed access to the tensors of one file. */
    private static final class Tensors {
        private final Map<String, Object> header;
        private final ByteBuffer data;
        private final int dataStart;
        private final String source;
        final Set<String> used = new HashSet<>();

        Tensors(Map<String, Object> header, byte[] bytes, int dataStart, String source) {
            this.header = header;
            this.data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            this.dataStart = dataStart;
            this.source = source;
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> entry(String name) {
            Object e = header.get(name);
            if (!(e instanceof Map<?, ?>)) {
                throw new IllegalArgumentException(source + ": tensor '" + name + "' is missing");
            }
            used.add(name);
            return (Map<String, Object>) e;
        }

        boolean contains(String name) {
            return header.containsKey(name);
        }

        String dtype(String name) {
            return (String) entry(name).get("dtype");
        }

        /** The byte range of {@code name}, checked against its dtype and expected shape. */
        private int[] range(String name, String dtype, int elementBytes, int[] shape) {
            Map<String, Object> e = entry(name);
            if (!dtype.equals(e.get("dtype"))) {
                throw new IllegalArgumentException(source + ": '" + name + "' is " + e.get("dtype") + ", expected " + dtype);
            }
            int[] actual = ((List<?>) e.get("shape")).stream().mapToInt(v -> Math.toIntExact((Long) v)).toArray();
            if (!Arrays.equals(actual, shape)) {
                throw new IllegalArgumentException(source + ": '" + name + "' has shape " + Arrays.toString(actual)
                        + ", expected " + Arrays.toString(shape));
            }
            List<?> offsets = (List<?>) e.get("data_offsets");
            long begin = (Long) offsets.get(0);
            long end = (Long) offsets.get(1);
            long elements = Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
            if (end - begin != elements * elementBytes || begin < 0 || dataStart + end > data.capacity()) {
                throw new IllegalArgumentException(source + ": '" + name + "' data_offsets " + offsets + " do not fit");
            }
            return new int[] {dataStart + (int) begin, (int) elements};
        }

        float[] floats(String name, int... shape) {
            int[] r = range(name, "F32", 4, shape);
            float[] v = new float[r[1]];
            for (int i = 0; i < v.length; i++) {
                v[i] = data.getFloat(r[0] + 4 * i);
                if (!Float.isFinite(v[i])) {
                    throw new IllegalArgumentException(source + ": '" + name + "'[" + i + "] = " + v[i]);
                }
            }
            return v;
        }

        byte[] codes(String name, int[] shape, int weightMax) {
            int[] r = range(name, "I8", 1, shape);
            byte[] v = new byte[r[1]];
            data.get(r[0], v);
            for (int i = 0; i < v.length; i++) {
                if (Math.abs(v[i]) > weightMax) {
                    throw new IllegalArgumentException(source + ": '" + name + "'[" + i + "] = " + v[i] + " exceeds ±" + weightMax);
                }
            }
            return v;
        }

        float scalar(String name) {
            float v = floats(name, 1)[0];
            if (!(v > 0)) {
                throw new IllegalArgumentException(source + ": scale '" + name + "' = " + v + ", expected > 0");
            }
            return v;
        }

        Layer layer(String name, int[] shape, int weightMax, float outputScale) {
            String w = name + ".weight";
            float[] bias = floats(name + ".bias", shape[0]);
            if (contains(w) && "I8".equals(dtype(w))) {
                byte[] codes = codes(w, shape, weightMax);
                float[] scales = floats(name + ".weight_scale", shape[0]);
                for (int o = 0; o < scales.length; o++) {
                    if (!(scales[o] > 0)) {
                        throw new IllegalArgumentException(source + ": '" + name + ".weight_scale'[" + o + "] = " + scales[o]);
                    }
                }
                return new Layer(name, shape, codes, null, scales, bias, outputScale);
            }
            return new Layer(name, shape, null, floats(w, shape), null, bias, outputScale);
        }
    }
}
