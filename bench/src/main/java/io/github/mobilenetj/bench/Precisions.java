package io.github.mobilenetj.bench;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Precision;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints the precisions mobilenetj runs on this machine, comma-separated (e.g. {@code fp32,bf16,int8}), for
 * {@code run.sh} to pass to JMH as {@code -p precision=...}: bf16 needs AVX512-BF16, AMX or FEAT_BF16, and building
 * a bf16 model elsewhere throws {@link UnsupportedOperationException}. The reason goes to stderr.
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar io.github.mobilenetj.bench.Precisions}
 */
public final class Precisions {

    private Precisions() {
    }

    public static void main(String[] args) {
        List<String> supported = new ArrayList<>();
        for (Precision p : new Precision[] {Precision.FP32, Precision.BF16, Precision.INT8}) {
            String name = p.name().toLowerCase(java.util.Locale.ROOT);
            String problem = problem(p);
            if (problem == null) {
                supported.add(name);
            } else {
                System.err.println(name + " unavailable: " + problem);
            }
        }
        System.out.println(String.join(",", supported));
    }

    /** Null if a small model builds and runs at {@code p} here, else why not. */
    static String problem(Precision p) {
        MobileNetV1.Builder b = MobileNetV1.builder().widthMultiplier(0.25).resolution(32).classes(10).threads(1)
                .precision(p);
        if (p == Precision.INT8) {
            b.calibration(io.github.mobilenetj.model.Calibration.ofTensors(
                    List.of(Support.randomArray(3 * 32 * 32, new java.util.SplittableRandom(1), 1.0))));
        }
        try (MobileNetV1 model = b.build(); var session = model.newSession()) {
            session.run(new float[3 * 32 * 32]);
            return null;
        } catch (UnsupportedOperationException e) {
            return e.getMessage();
        }
    }
}
