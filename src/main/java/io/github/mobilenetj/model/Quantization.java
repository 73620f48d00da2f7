package io.github.mobilenetj.model;

import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.nn.ComputePlan;
import io.github.mobilenetj.nn.Conv2d;
import io.github.mobilenetj.nn.GlobalAvgPool;
import io.github.mobilenetj.nn.Layer;
import io.github.mobilenetj.nn.Linear;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How an {@link Precision#INT8} model computes: which layers run in 8 bits, the scale of every
 * activation tensor, the weights' code range, and how the scales were found.
 *
 * @param plan the per-layer types and activation scales
 * @param weightMax 127, or 63 (7-bit weights) on x86-64 CPUs without VNNI
 * @param method the calibration method's metadata name, e.g. {@code minmax}
 * @param samples calibration inputs
 * @param description what the calibration data was
 */
record Quantization(ComputePlan plan, int weightMax, String method, int samples, String description) {

    /** Which layers run in 8 bits, by kind. */
    record Mix(boolean firstConv, boolean depthwise, boolean pointwise, boolean classifier) {

        /** Everything in 8 bits. */
        static final Mix ALL = new Mix(true, true, true, true);

        boolean int8(Architecture.Module m, int index) {
            return switch (m.layer()) {
                case Conv2d conv when index == 0 -> firstConv;
                case Conv2d conv when conv.groups() > 1 -> depthwise;
                case Conv2d conv -> pointwise;
                case Linear linear -> classifier;
                case GlobalAvgPool pool -> false;
            };
        }
    }

    /**
     * The mix this library ships: every convolution and the classifier in 8 bits (see
     * {@code native/README.md} for the per-layer measurements behind it).
     */
    static final Mix DEFAULT_MIX = Mix.ALL;

    /**
     * The weight code range for this CPU: 127, or 63 on x86-64 CPUs without VNNI, where oneDNN
     * multiplies u8 by s8 with {@code vpmaddubsw}, whose 16-bit sums of two products saturate
     * (255 × 127 × 2 > 32767); 7-bit weights keep every sum in range.
     */
    static int weightMaxForThisCpu() {
        Optional<String> isa = Dnnl.cpuIsa();
        if (isa.isEmpty()) {
            return 127; // aarch64: SVE's sdot/udot accumulate in 32 bits
        }
        String name = isa.get().toLowerCase(Locale.ROOT);
        boolean vnni = name.contains("vnni") || name.contains("bf16") || name.contains("amx") || name.contains("avx10");
        return vnni ? 127 : 63;
    }

    /**
     * The plan for {@code architecture} with the activation ranges {@code maxima} (tensor 0: the
     * largest input magnitude; tensor l + 1: the largest output of layer l after its activation).
     */
    static ComputePlan plan(Architecture architecture, Mix mix, float[] maxima) {
        List<Architecture.Module> modules = architecture.modules();
        List<DType> types = new ArrayList<>();
        float[] scales = new float[modules.size() + 1];
        scales[0] = Math.max(maxima[0], MIN_RANGE) / 127f;
        float cap = architecture.config().activation().cap();
        for (int l = 0; l < modules.size(); l++) {
            Architecture.Module m = modules.get(l);
            Layer layer = m.layer();
            if (layer instanceof GlobalAvgPool) {
                types.add(types.isEmpty() ? DType.F32 : types.getLast()); // pools in its input's type
                scales[l + 1] = scales[l]; // averages of u8 codes stay u8 codes of the same scale
            } else {
                types.add(mix.int8(m, l) ? DType.I8 : DType.F32);
                scales[l + 1] = layer instanceof Linear ? Float.NaN
                        : Math.max(Math.min(maxima[l + 1], cap), MIN_RANGE) / 255f;
            }
        }
        return new ComputePlan(types, scales, DType.F32);
    }

    /** The smallest range a tensor gets (a layer that only ever output zeros still needs a scale > 0). */
    static final float MIN_RANGE = 1e-8f;
}
