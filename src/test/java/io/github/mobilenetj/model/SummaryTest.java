package io.github.mobilenetj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.nn.BatchNorm;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.reference.MobileNetSpec;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parameter and multiply-add counts against the published / hand-computed numbers. */
class SummaryTest {

    private static ModelConfig config(double alpha, int resolution) {
        return new ModelConfig(alpha, resolution, 1000, 3, Activation.RELU, BatchNorm.PYTORCH_EPSILON, PixelLayout.CHW, 1);
    }

    @Test
    void baselineTotals() {
        Summary s = Summary.of(ModelConfig.defaults());
        assertEquals(4_231_976L, s.totalParameters());
        assertEquals(568_740_352L, s.totalMultiplyAdds());
        assertEquals(567_716_352L, s.convolutionMultiplyAdds());
        long fcMacs = s.rows().stream().filter(r -> r.layer().startsWith("Linear")).mapToLong(Summary.Row::multiplyAdds).sum();
        assertEquals(1_024_000L, fcMacs);
        assertEquals(s.totalMultiplyAdds(), s.convolutionMultiplyAdds() + fcMacs);
    }

    @Test
    void parametersAgreeWithTheIndependentSpec() {
        for (double alpha : new double[] {1.0, 0.75, 0.5, 0.25}) {
            long expected = MobileNetSpec.of(alpha, 224, 1000).trainableParameterCount();
            assertEquals(expected, Summary.of(config(alpha, 224)).totalParameters(), "α " + alpha);
        }
    }

    @ParameterizedTest(name = "α {0}: {1} mult-adds, {2} params")
    @CsvSource({
        "1.0,  568740352, 4231976",
        "0.75, 325400448, 2585560",
        "0.5,  149497088, 1331592",
        "0.25,  41030272,  470072",
    })
    void widthMultiplier(double alpha, long multiplyAdds, long parameters) {
        Summary s = Summary.of(config(alpha, 224));
        assertEquals(multiplyAdds, s.totalMultiplyAdds());
        assertEquals(parameters, s.totalParameters());
    }

    @ParameterizedTest(name = "{0}x{0}: {1} mult-adds")
    @CsvSource({"224, 568740352", "192, 418121728", "160, 290675200", "128, 186400768"})
    void resolution(int resolution, long multiplyAdds) {
        Summary s = Summary.of(config(1.0, resolution));
        assertEquals(multiplyAdds, s.totalMultiplyAdds());
        // Resolution does not change the parameters.
        assertEquals(4_231_976L, s.totalParameters());
    }

    @Test
    void standardConvolutionsOfTable4() {
        Summary s = Summary.standardConvolutions(ModelConfig.defaults());
        assertEquals(29_282_120L, s.totalParameters());
        assertEquals(4_867_293_184L, s.totalMultiplyAdds());
    }

    @Test
    void modelSummaryIsTheConfigsSummary() throws Exception {
        try (MobileNetV1 model = MobileNetV1.builder().widthMultiplier(0.25).resolution(128).classes(1000).build()) {
            Summary s = model.summary();
            assertEquals(470_072L, s.totalParameters());
            assertEquals(Summary.of(model.config()).toString(), s.toString());
        }
    }

    @Test
    void rowsOnePerModule() {
        Summary s = Summary.of(ModelConfig.defaults());
        List<Summary.Row> rows = s.rows();
        // conv+BN+ReLU for model.0, 2 x (conv+BN+ReLU) for 13 blocks, pool, linear
        assertEquals(3 + 13 * 6 + 2, rows.size());
        assertTrue(rows.get(0).layer().startsWith("Conv2d"), rows.get(0).toString());
        assertEquals("[-1, 32, 112, 112]", rows.get(0).outputShape());
        assertEquals(864, rows.get(0).parameters());
        assertEquals(864L * 112 * 112, rows.get(0).multiplyAdds());
        assertTrue(rows.get(1).layer().startsWith("BatchNorm2d"));
        assertEquals(64, rows.get(1).parameters());
        assertTrue(rows.get(2).layer().startsWith("ReLU"));
        // first depthwise conv: 32 x 3 x 3 weights at 112 x 112
        assertEquals(288, rows.get(3).parameters());
        assertEquals(288L * 112 * 112, rows.get(3).multiplyAdds());
        Summary.Row pool = rows.get(rows.size() - 2);
        Summary.Row fc = rows.get(rows.size() - 1);
        assertTrue(pool.layer().startsWith("AdaptiveAvgPool2d"), pool.toString());
        assertTrue(fc.layer().startsWith("Linear"), fc.toString());
        assertEquals(1_025_000L, fc.parameters());
        assertEquals(1_024_000L, fc.multiplyAdds());
        long convs = rows.stream().filter(r -> r.layer().startsWith("Conv2d")).count();
        long bns = rows.stream().filter(r -> r.layer().startsWith("BatchNorm2d")).count();
        long relus = rows.stream().filter(r -> r.layer().startsWith("ReLU")).count();
        assertEquals(27, convs);
        assertEquals(27, bns);
        assertEquals(27, relus);
        assertEquals("[-1, 1024, 7, 7]", rows.get(rows.size() - 3).outputShape());
    }

    @Test
    void renderedTable() {
        Summary s = Summary.of(ModelConfig.defaults());
        String text = s.toString();
        List<String> lines = text.lines().toList();
        for (Summary.Row r : s.rows()) {
            String row = String.format(Locale.ROOT, "%,d", r.multiplyAdds());
            long matches = lines.stream()
                    .filter(l -> l.startsWith(r.layer() + " ") && l.contains(r.outputShape()) && l.endsWith(" " + row))
                    .count();
            assertEquals(1, matches, "one line for " + r + " in\n" + text);
        }
        long moduleLines = lines.stream().filter(l -> l.matches(
                "(Conv2d|BatchNorm2d|ReLU6?|AdaptiveAvgPool2d|Linear)\\b.*")).count();
        assertEquals(s.rows().size(), moduleLines, text);
        assertTrue(text.contains("Total params: 4,231,976"), text);
        assertTrue(text.contains("Total mult-adds: 568,740,352"), text);
    }

    @Test
    void reluSixIsNamedInTheTable() {
        ModelConfig c = new ModelConfig(1.0, 224, 1000, 3, Activation.RELU6, 1e-3, PixelLayout.HWC, 1);
        Summary s = Summary.of(c);
        assertEquals(27, s.rows().stream().filter(r -> r.layer().startsWith("ReLU6")).count());
        assertEquals(568_740_352L, s.totalMultiplyAdds());
    }
}
