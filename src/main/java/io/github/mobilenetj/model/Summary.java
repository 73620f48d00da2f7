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
 *
 * <p>For {@link ModelConfig#defaults()} (α 1.0, 224x224): 4,231,976 parameters and 568,740,352
 * multiply-adds (567,716,352 in the convolutions), the paper's 4.2 M and 569 M. Immutable; nothing
 * native is loaded.
 */
public final class Summary {

    /**
     * One module.
     *
     * @param layer the module type numbered from 1 in order, as torchsummary names it, e.g.
     *        {@code Conv2d 3x3-1}, {@code BatchNorm2d-2}, {@code ReLU-3} ({@code ReLU6-3} with
     *        {@link Activation#RELU6}), {@code Conv2d 3x3 dw-4}, {@code Conv2d 1x1-7},
     *        {@code AdaptiveAvgPool2d-82}, {@code Linear-83}
     * @param outputShape the output shape with batch -1, e.g. {@code [-1, 32, 112, 112]} or
     *        {@code [-1, 1000]}
     * @param parameters learned parameters: convolution weights (no bias: BatchNorm follows),
     *        BatchNorm γ and β, the fully connected layer's weights and bias
     * @param multiplyAdds multiply-adds for one image; 0 for BatchNorm, activations and pooling
     */
    public record Row(String layer, String outputShape, long parameters, long multiplyAdds) {
    }

    private final String title;
    private final List<Row> rows;

    private Summary(String title, List<Row> rows) {
        this.title = title;
        this.rows = List.copyOf(rows);
    }

    /**
     * The model as {@code config} defines it.
     *
     * @param config the architecture: its α, resolution, classes, input channels and activation
     * @return the table
     */
    public static Summary of(ModelConfig config) {
        return build(Architecture.of(config), false);
    }

    /**
     * The same network with a standard 3x3 convolution in place of every depthwise separable pair.
     * Its BatchNorm rows count no parameters. For {@link ModelConfig#defaults()}: 29,282,120
     * parameters and 4,867,293,184 multiply-adds (the paper's 29.3 M and 4866 M).
     *
     * @param config the architecture: its α, resolution, classes, input channels and activation
     * @return the table
     */
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

    /**
     * The modules in order.
     *
     * @return every row, an unmodifiable list
     */
    public List<Row> rows() {
        return rows;
    }

    /**
     * Parameters of the whole network, as torchsummary counts them.
     *
     * @return the sum of {@link Row#parameters()}
     */
    public long totalParameters() {
        return rows.stream().mapToLong(Row::parameters).sum();
    }

    /**
     * Multiply-adds of the whole network for one image.
     *
     * @return the sum of {@link Row#multiplyAdds()}: the convolutions and the fully connected layer
     */
    public long totalMultiplyAdds() {
        return rows.stream().mapToLong(Row::multiplyAdds).sum();
    }

    /**
     * Multiply-adds of the convolutions only, for one image.
     *
     * @return the sum of {@link Row#multiplyAdds()} over the {@code Conv2d} rows
     */
    public long convolutionMultiplyAdds() {
        return rows.stream().filter(r -> r.layer().startsWith("Conv2d")).mapToLong(Row::multiplyAdds).sum();
    }

    /**
     * The table as torchsummary prints it: a title naming the configuration, one line per row, and
     * the totals.
     *
     * @return the table, several lines of text
     */
    @Override
    public String toString() {
        String line = "-".repeat(86) + "\n";
        StringBuilder sb = new StringBuilder();
        sb.append(title).append('\n').append(line);
        sb.append(String.format(Locale.ROOT, "%-26s %-24s %15s %18s\n", "Layer (type)", "Output Shape", "Param #", "Mult-Adds"));
        sb.append("=".repeat(86)).append('\n');
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%-26s %-24s %,15d %,18d\n", r.layer(), r.outputShape(), r.parameters(),
                    r.multiplyAdds()));
        }
        sb.append("=".repeat(86)).append('\n');
        sb.append(String.format(Locale.ROOT, "Total params: %,d\n", totalParameters()));
        sb.append(String.format(Locale.ROOT, "Total mult-adds: %,d (%.1f M)\n", totalMultiplyAdds(), totalMultiplyAdds() / 1e6));
        sb.append(line);
        return sb.toString();
    }
}
