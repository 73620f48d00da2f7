package io.github.mobilenetj.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A per-module table of MobileNetV1 in the manner of torchsummary: each Conv2d, BatchNorm2d,
 * ReLU, pooling and Linear module with its output shape, parameters (BatchNorm γ and β counted,
 * as torchsummary does) and multiply-adds, for one image.
 *
 * <p>{@link #standardConvolutions} gives the comparison network of the paper's Table 4, where each
 * depthwise separable pair is one standard 3x3 convolution.
 */
public final class Summary {

    /** One module. */
    public record Row(String layer, String outputShape, long parameters, long multiplyAdds) {
    }

    private final String title;
    private final List<Row> rows;

    private Summary(String title, List<Row> rows) {
        this.title = title;
        this.rows = List.copyOf(rows);
    }

    /** The model as {@code config} defines it. */
    public static Summary of(ModelConfig config) {
        return build(config, false);
    }

    /** The same network with a standard 3x3 convolution in place of every depthwise separable pair. */
    public static Summary standardConvolutions(ModelConfig config) {
        return build(config, true);
    }

    private static Summary build(ModelConfig config, boolean standard) {
        List<Row> rows = new ArrayList<>();
        int size = config.resolution();
        String act = config.activation() == io.github.mobilenetj.nn.Activation.RELU6 ? "ReLU6" : "ReLU";
        for (Architecture.Block block : Architecture.blocks()) {
            int in = Architecture.inChannels(block, config);
            int out = config.channels(block.outBase());
            int next = Architecture.downsample(size, block.stride());
            if (!block.depthwiseSeparable() || standard) {
                conv(rows, "Conv2d 3x3", in, out, 1, 3, next, standard);
                batchNormAndActivation(rows, out, next, act, standard);
            } else {
                conv(rows, "Conv2d 3x3 dw", in, in, in, 3, next, false);
                batchNormAndActivation(rows, in, next, act, false);
                conv(rows, "Conv2d 1x1", in, out, 1, 1, next, false);
                batchNormAndActivation(rows, out, next, act, false);
            }
            size = next;
        }
        int features = config.channels(Architecture.FEATURES);
        rows.add(new Row("AdaptiveAvgPool2d", shape(features, 1), 0, 0));
        rows.add(new Row("Linear", "[-1, " + config.classes() + "]", (long) features * config.classes() + config.classes(),
                (long) features * config.classes()));
        String title = String.format(Locale.ROOT, "MobileNetV1 α %s, %dx%d, %d input channel%s, %d classes%s",
                config.widthMultiplier(), config.resolution(), config.resolution(), config.inChannels(),
                config.inChannels() == 1 ? "" : "s", config.classes(),
                standard ? " (standard 3x3 convolutions, BatchNorm not counted)" : "");
        return new Summary(title, numbered(rows));
    }

    private static void conv(List<Row> rows, String name, int in, int out, int groups, int kernel, int size, boolean standard) {
        long params = (long) out * (in / groups) * kernel * kernel;
        long macs = (long) out * size * size * (in / groups) * kernel * kernel;
        rows.add(new Row(name, shape(out, size), params, macs));
    }

    private static void batchNormAndActivation(List<Row> rows, int channels, int size, String act, boolean withoutBnParams) {
        rows.add(new Row("BatchNorm2d", shape(channels, size), withoutBnParams ? 0 : 2L * channels, 0));
        rows.add(new Row(act, shape(channels, size), 0, 0));
    }

    private static String shape(int channels, int size) {
        return "[-1, " + channels + ", " + size + ", " + size + "]";
    }

    private static List<Row> numbered(List<Row> rows) {
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            out.add(new Row(r.layer() + "-" + (i + 1), r.outputShape(), r.parameters(), r.multiplyAdds()));
        }
        return out;
    }

    public List<Row> rows() {
        return rows;
    }

    public long totalParameters() {
        return rows.stream().mapToLong(Row::parameters).sum();
    }

    public long totalMultiplyAdds() {
        return rows.stream().mapToLong(Row::multiplyAdds).sum();
    }

    /** Multiply-adds of the convolutions only. */
    public long convolutionMultiplyAdds() {
        return rows.stream().filter(r -> r.layer().startsWith("Conv2d")).mapToLong(Row::multiplyAdds).sum();
    }

    @Override
    public String toString() {
        String line = "-".repeat(86) + "\n";
        StringBuilder sb = new StringBuilder();
        sb.append(title).append('\n').append(line);
        sb.append(String.format(Locale.ROOT, "%-26s %-24s %15s %18s%n", "Layer (type)", "Output Shape", "Param #", "Mult-Adds"));
        sb.append("=".repeat(86)).append('\n');
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-26s %-24s %,15d %,18d%n", r.layer(), r.outputShape(), r.parameters(),
                    r.multiplyAdds()));
        }
        sb.append("=".repeat(86)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", totalParameters()));
        sb.append(String.format(Locale.ROOT, "Total mult-adds: %,d (%.1f M)%n", totalMultiplyAdds(), totalMultiplyAdds() / 1e6));
        sb.append(line);
        return sb.toString();
    }
}
