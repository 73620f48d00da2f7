package io.github.mobilenetj.model;

import io.github.mobilenetj.nn.Conv2d;
import io.github.mobilenetj.nn.GlobalAvgPool;
import io.github.mobilenetj.nn.Linear;
import io.github.mobilenetj.nn.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A per-module table of MobileNetV1 in the manner of torchsummary: each Conv2d, BatchNorm2d,
 * ReLU, pooling and Linear module of the reference PyTorch model with its output shape,
 * parameters (BatchNorm γ and β counted, as torchsummary does) and multiply-adds, for one image.
 *
 * <p>{@link #standardConvolutions} gives the comparison network of the paper's Table 4, where each
 * depthwise separable pair is one standard 3x3 convolution (BatchNorm not counted).
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
        return build(Architecture.of(config), false);
    }

    /** The same network with a standard 3x3 convolution in place of every depthwise separable pair. */
    public static Summary standardConvolutions(ModelConfig config) {
        return build(Architecture.standardConvolutions(config), true);
    }

    private static Summary build(Architecture architecture, boolean standard) {
        ModelConfig config = architecture.config();
        String act = config.activation() == Activation.RELU6 ? "ReLU6" : "ReLU";
        List<Row> rows = new ArrayList<>();
        for (Architecture.Module m : architecture.modules()) {
            Shape out = m.output();
            switch (m.layer()) {
                case Conv2d conv -> {
                    long weights = conv.parameterCount() - conv.outChannels(); // the bias is folded BatchNorm
                    String name = "Conv2d " + conv.kernelH() + "x" + conv.kernelW() + (conv.kind().endsWith("dw") ? " dw" : "");
                    rows.add(new Row(name, shape(out), weights, conv.multiplyAdds(m.input())));
                    rows.add(new Row("BatchNorm2d", shape(out), standard ? 0 : 2L * out.channels(), 0));
                    rows.add(new Row(act, shape(out), 0, 0));
                }
                case GlobalAvgPool pool -> rows.add(new Row("AdaptiveAvgPool2d", shape(out), 0, pool.multiplyAdds(m.input())));
                case Linear linear -> rows.add(new Row("Linear", "[-1, " + linear.outFeatures() + "]",
                        linear.parameterCount(), linear.multiplyAdds(m.input())));
            }
        }
        String title = String.format(Locale.ROOT, "MobileNetV1 α %s, %dx%d, %d input channel%s, %d classes%s",
                config.widthMultiplier(), config.resolution(), config.resolution(), config.inChannels(),
                config.inChannels() == 1 ? "" : "s", config.classes(),
                standard ? " (standard 3x3 convolutions, BatchNorm not counted)" : "");
        return new Summary(title, numbered(rows));
    }

    private static String shape(Shape s) {
        return "[-1, " + s.channels() + ", " + s.height() + ", " + s.width() + "]";
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
