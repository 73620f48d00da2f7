package io.github.mobilenetj.nn;

import io.github.mobilenetj.io.DType;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * How each layer of a network computes: in float32 ({@link DType#F32}), bfloat16
 * ({@link DType#BF16}) or 8-bit integers ({@link DType#I8}), and, for the 8-bit layers, the scale
 * of every activation tensor they read or write.
 *
 * <p>Activation tensor {@code i} is the input of layer {@code i} (tensor 0 is the network input,
 * tensor {@code n} the output of the last layer); {@code scales[i]} is its quantization scale
 * (real value = scale × code), used wherever that tensor is held in 8 bits: s8 for the network
 * input (it has negative values), u8 after every ReLU. A network input read by an 8-bit first
 * layer is quantized by the input reorder; an 8-bit layer writes u8 when the next layer computes
 * in 8 bits and float32 (or bfloat16) otherwise; a float layer followed by an 8-bit one gets a
 * quantizing reorder, since oneDNN's float convolutions cannot write integers. Pooling runs in the
 * type of its input (u8 averages stay u8 with the same scale). Weights of 8-bit layers are s8 with
 * a scale per output channel, held by the {@link ParameterStore}.
 *
 * @param layers the compute type of each layer
 * @param scales the scale of each activation tensor ({@code layers.size() + 1} values); NaN where
 *        no 8-bit layer reads or writes it
 * @param fallback the type float layers use for their activations when they neighbour 8-bit ones
 *        (F32 or BF16)
 */
public record ComputePlan(List<DType> layers, float[] scales, DType fallback) {

    public ComputePlan {
        layers = List.copyOf(layers);
        scales = scales.clone();
        Objects.requireNonNull(fallback, "fallback");
        if (scales.length != layers.size() + 1) {
            throw new IllegalArgumentException(layers.size() + " layers need " + (layers.size() + 1)
                    + " activation scales, got " + scales.length);
        }
        for (DType t : layers) {
            if (t != DType.F32 && t != DType.BF16 && t != DType.I8) {
                throw new IllegalArgumentException("layers compute in F32, BF16 or I8, not " + t);
            }
        }
        if (fallback != DType.F32 && fallback != DType.BF16) {
            throw new IllegalArgumentException("the float fallback is F32 or BF16, not " + fallback);
        }
    }

    /** Every layer in {@code type} (F32 or BF16), no 8-bit tensor. */
    public static ComputePlan uniform(DType type, int layers) {
        if (type != DType.F32 && type != DType.BF16) {
            throw new IllegalArgumentException("networks compute in F32 or BF16, not " + type);
        }
        float[] scales = new float[layers + 1];
        Arrays.fill(scales, Float.NaN);
        return new ComputePlan(java.util.Collections.nCopies(layers, type), scales, type);
    }

    @Override
    public float[] scales() {
        return scales.clone();
    }

    /** The scale of activation tensor {@code i}. */
    public float scale(int i) {
        return scales[i];
    }

    /** The compute type of layer {@code i}. */
    public DType layer(int i) {
        return layers.get(i);
    }

    /** Whether any layer computes in 8 bits. */
    public boolean quantized() {
        return layers.contains(DType.I8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ComputePlan p && layers.equals(p.layers) && Arrays.equals(scales, p.scales)
                && fallback == p.fallback;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * layers.hashCode() + Arrays.hashCode(scales)) + fallback.hashCode();
    }

    @Override
    public String toString() {
        return "ComputePlan" + layers + " scales " + Arrays.toString(scales) + " fallback " + fallback;
    }
}
