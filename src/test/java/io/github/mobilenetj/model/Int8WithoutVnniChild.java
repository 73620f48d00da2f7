package io.github.mobilenetj.model;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The child JVM of {@link Int8WithoutVnniTest}: started with {@code ONEDNN_MAX_CPU_ISA} set, so that
 * oneDNN (and the library, which asks oneDNN for the effective ISA) sees a CPU without VNNI. Prints
 * the ISA, then FP32 and bundled-INT8 predictions' accuracy and agreement on the Fashion-MNIST test set.
 */
final class Int8WithoutVnniChild {

    private Int8WithoutVnniChild() {
    }

    public static void main(String[] args) throws Exception {
        LabelledImages test = LabelledImages.fashionMnistTest(Path.of(args[0]), Integer.parseInt(args[1]));
        System.out.println("ISA " + NativeRuntime.load().cpuIsa().orElse("none"));
        Evaluation fp32;
        try (MobileNetV1 model = MobileNetV1.builder().maxBatchSize(32).threads(1).fashionMnist()) {
            fp32 = Evaluation.run(model, test, 32, 1);
        }
        Evaluation int8;
        try (MobileNetV1 model = MobileNetV1.builder().precision(Precision.INT8).maxBatchSize(32).threads(1).fashionMnist()) {
            int8 = Evaluation.run(model, test, 32, 1);
        }
        int agree = 0;
        for (int i = 0; i < int8.size(); i++) {
            agree += int8.predicted()[i] == fp32.predicted()[i] ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "FP32 %.4f INT8 %.4f AGREE %.4f%n", fp32.accuracy(), int8.accuracy(),
                (double) agree / int8.size());
    }
}
