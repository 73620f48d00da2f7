package io.github.mobilenetj.model;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.nn.Conv2d;
import io.github.mobilenetj.nn.Linear;
import io.github.mobilenetj.nn.ParameterStore;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Quantizes a float model's parameters into the store of an 8-bit one: for each layer the plan runs
 * in 8 bits, symmetric per-output-channel s8 weights ({@code scale[o] = max |w[o]| / weightMax},
 * {@code q = round_half_even(w / scale[o])}, clamped to ±weightMax) and the float bias; other layers
 * keep their float32 weights. Works in native memory, one layer at a time.
 */
final class QuantizedParameters {

    private QuantizedParameters() {
    }

    /** Fills {@code target} from {@code source}, the store of the float model of {@code architecture}. */
    static void quantize(ParameterStore source, Architecture architecture, Quantization quantization,
            ParameterStore target) {
        List<Architecture.Module> modules = architecture.modules();
        for (int l = 0; l < modules.size(); l++) {
            long[] shape = switch (modules.get(l).layer()) {
                case Conv2d conv -> conv.weightShape();
                case Linear linear -> linear.weightShape();
                default -> null;
            };
            if (shape == null) {
                continue;
            }
            long elements = 1;
            for (long d : shape) {
                elements *= d;
            }
            float[] bias = source.copyBias(l);
            if (bias != null) {
                MemorySegment.copy(bias, 0, target.allocateBias(l, bias.length), ValueLayout.JAVA_FLOAT, 0, bias.length);
            }
            if (quantization.plan().layer(l) != DType.I8) {
                source.copyWeights(l, target.allocateWeights(l, shape, DType.F32));
                continue;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment weights = arena.allocate(elements * Float.BYTES, 64);
                source.copyWeights(l, weights);
                MemorySegment codes = target.allocateWeights(l, shape, DType.I8);
                MemorySegment scales = target.allocateWeightScales(l, (int) shape[0]);
                quantizeRows(weights, (int) shape[0], elements / shape[0], quantization.weightMax(), codes, scales);
            }
        }
    }

    /**
     * Quantizes {@code rows} rows of {@code perRow} float32 values each into s8 codes, one scale per
     * row. A row of zeros gets scale 1 and codes 0.
     */
    static void quantizeRows(MemorySegment weights, int rows, long perRow, int weightMax, MemorySegment codes,
            MemorySegment scales) {
        for (int o = 0; o < rows; o++) {
            float max = 0;
            for (long i = o * perRow, end = i + perRow; i < end; i++) {
                max = Math.max(max, Math.abs(weights.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
            }
            float scale = max > 0 ? max / weightMax : 1f;
            scales.setAtIndex(ValueLayout.JAVA_FLOAT, o, scale);
            for (long i = o * perRow, end = i + perRow; i < end; i++) {
                float q = (float) Math.rint(weights.getAtIndex(ValueLayout.JAVA_FLOAT, i) / scale);
                codes.set(ValueLayout.JAVA_BYTE, i, (byte) Math.max(-weightMax, Math.min(weightMax, q)));
            }
        }
    }
}
