package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.Arg;
import io.github.mobilenetj.dnnl.DnnlException;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.dnnl.FormatTag;
import io.github.mobilenetj.dnnl.Memory;
import io.github.mobilenetj.dnnl.MemoryDesc;
import io.github.mobilenetj.dnnl.PostOps;
import io.github.mobilenetj.dnnl.Primitive;
import io.github.mobilenetj.dnnl.PrimitiveAttr;
import io.github.mobilenetj.dnnl.PrimitiveDesc;
import io.github.mobilenetj.io.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Turns layers into oneDNN primitives following a {@link ComputePlan}. Every convolution lets
 * oneDNN choose its activation and weight layouts ({@code format_tag any}); a reorder is inserted
 * only where the layout or type one primitive writes differs from what the next one wants (it
 * quantizes or dequantizes with the tensor's scale where an 8-bit tensor meets a float one).
 * Weights come from the {@link ParameterStore} in the layout each primitive chose.
 */
final class NetworkCompiler {

    private final Engine engine;
    private final ComputePlan plan;
    private final ParameterStore store;
    private final Arena constants;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();

    /**
     * The tensor between layers: its descriptor and, when it is 8-bit, its scale (NaN otherwise).
     */
    record Activation(MemoryDesc desc, float scale) {
    }

    /** @param constants holds the network's scale values; closed with the network */
    NetworkCompiler(Engine engine, ComputePlan plan, ParameterStore store, Arena constants) {
        this.engine = engine;
        this.plan = plan;
        this.store = store;
        this.constants = constants;
    }

    List<Step> steps() {
        return steps;
    }

    List<AutoCloseable> owned() {
        return owned;
    }

    <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /** Appends the primitives of layer {@code index}; returns the tensor it writes. */
    Activation add(int index, List<? extends Layer> layers, Shape input, Activation current) {
        Layer layer = layers.get(index);
        String label = index + ": " + layer.kind();
        return switch (layer) {
            case Conv2d conv -> convolution(index, label, conv, input, current, outputType(index, layers));
            case Linear linear -> innerProduct(index, label, linear, input, current, outputType(index, layers));
            case GlobalAvgPool pool -> globalAverage(index, label, input, current);
        };
    }

    /**
     * What layer {@code index} writes: u8 when it computes in 8 bits and so does the layer reading
     * its output (through a pooling, if any); its own float type otherwise.
     */
    private DType outputType(int index, List<? extends Layer> layers) {
        DType own = plan.layer(index);
        if (own != DType.I8) {
            return own;
        }
        int next = index + 1;
        while (next < layers.size() && layers.get(next) instanceof GlobalAvgPool) {
            next++;
        }
        return next < layers.size() && plan.layer(next) == DType.I8 ? DType.U8 : plan.fallback();
    }

    /** Appends a reorder from {@code from} to {@code to} unless they already have the same layout. */
    Activation reorderIfNeeded(String label, Activation from, MemoryDesc to, float toScale) {
        boolean fromInt = isInteger(from.desc().dataType());
        boolean toInt = isInteger(to.dataType());
        if (fromInt && toInt && Float.compare(from.scale(), toScale) != 0) {
            throw new IllegalStateException(label + ": the 8-bit tensor has scale " + from.scale() + ", the layer reading it "
                    + toScale + "; a plan gives both ends of an 8-bit tensor one scale");
        }
        if (from.desc().sameLayoutAs(to)) {
            return new Activation(to, from.scale());
        }
        float srcScale = fromInt && !toInt ? from.scale() : Float.NaN;
        float dstScale = toInt && !fromInt ? toScale : Float.NaN;
        try (PrimitiveAttr attr = new PrimitiveAttr()) {
            if (!Float.isNaN(srcScale)) {
                attr.scalesMask(Arg.SRC, 0);
            }
            if (!Float.isNaN(dstScale)) {
                attr.scalesMask(Arg.DST, 0);
            }
            try (PrimitiveDesc pd = PrimitiveDesc.reorder(engine, from.desc(), to, attr)) {
                steps.add(new Step("reorder " + label, -1, own(new Primitive(pd)), from.desc(), to, null, null,
                        scratchpad(pd), true, scale(srcScale), null, scale(dstScale)));
            }
        }
        return new Activation(to, toInt ? (fromInt ? from.scale() : toScale) : Float.NaN);
    }

    private static boolean isInteger(DType type) {
        return type == DType.I8 || type == DType.U8;
    }

    /** The type layer {@code index} reads: s8 for an 8-bit first layer (the input has negatives), u8 after that. */
    private DType inputType(int index) {
        DType compute = plan.layer(index);
        if (compute != DType.I8) {
            return compute;
        }
        return index == 0 ? DType.I8 : DType.U8;
    }

    private Activation convolution(int index, String label, Conv2d conv, Shape input, Activation current, DType dstType) {
        Shape output = conv.outputShape(input);
        DType compute = plan.layer(index);
        boolean int8 = compute == DType.I8;
        boolean grouped = conv.groups() > 1;
        long[] weightDims = grouped
                ? new long[] {conv.groups(), conv.outChannels() / conv.groups(), conv.inChannels() / conv.groups(),
                    conv.kernelH(), conv.kernelW()}
                : new long[] {conv.outChannels(), conv.inChannels(), conv.kernelH(), conv.kernelW()};
        float inScale = plan.scale(index);
        float outScale = plan.scale(index + 1);
        try (MemoryDesc srcAny = MemoryDesc.of(input.dims(), inputType(index), FormatTag.ANY);
                MemoryDesc weightsAny = MemoryDesc.of(weightDims, int8 ? DType.I8 : compute, FormatTag.ANY);
                MemoryDesc biasDesc = conv.hasBias() ? MemoryDesc.of(new long[] {conv.outChannels()}, DType.F32, FormatTag.X) : null;
                MemoryDesc dstAny = MemoryDesc.of(output.dims(), dstType, FormatTag.ANY);
                PostOps postOps = new PostOps();
                PrimitiveAttr attr = new PrimitiveAttr()) {
            if (conv.hasRelu()) {
                if (conv.reluCap() == Float.POSITIVE_INFINITY) {
                    postOps.relu();
                } else {
                    postOps.clip(0f, conv.reluCap());
                }
                attr.postOps(postOps);
            }
            if (int8) {
                attr.scalesMask(Arg.SRC, 0).scalesMask(Arg.WEIGHTS, grouped ? 3 : 1);
                if (dstType == DType.U8) {
                    attr.scalesMask(Arg.DST, 0);
                }
            }
            try (PrimitiveDesc pd = unsupportedTypeExplained(label, compute, () -> PrimitiveDesc.convolution(engine, srcAny,
                    weightsAny, biasDesc, dstAny, new long[] {conv.strideH(), conv.strideW()},
                    new long[] {conv.padTop(), conv.padLeft()}, new long[] {conv.padBottom(), conv.padRight()}, attr))) {
                MemoryDesc src = own(pd.srcDesc());
                reorderIfNeeded("to " + label, current, src, inScale);
                try (MemoryDesc chosen = pd.weightsDesc()) {
                    Memory weights = store.weights(index, chosen);
                    Memory bias = conv.hasBias() ? store.bias(index) : null;
                    MemoryDesc dst = own(pd.dstDesc());
                    boolean quantizedOut = dstType == DType.U8;
                    steps.add(new Step(label, index, own(new Primitive(pd)), src, dst, weights, bias, scratchpad(pd), false,
                            int8 ? scale(inScale) : null, int8 ? weightScales(index) : null,
                            quantizedOut ? scale(outScale) : null));
                    return new Activation(dst, quantizedOut ? outScale : Float.NaN);
                }
            }
        }
    }

    private Activation innerProduct(int index, String label, Linear linear, Shape input, Activation current, DType dstType) {
        Shape output = linear.outputShape(input);
        DType compute = plan.layer(index);
        boolean int8 = compute == DType.I8;
        // The source keeps whatever layout the previous layer produced; the weights follow it.
        long[] srcDims = current.desc().dims();
        long[] weightDims = srcDims.length == 4
                ? new long[] {linear.outFeatures(), input.channels(), input.height(), input.width()}
                : new long[] {linear.outFeatures(), linear.inFeatures()};
        float inScale = plan.scale(index);
        float outScale = plan.scale(index + 1);
        Activation source = current;
        DType wantSrc = inputType(index);
        if (current.desc().dataType() != wantSrc) {
            // Convert the type but keep the layout: plain NCHW of the current dims.
            MemoryDesc converted = own(MemoryDesc.of(srcDims, wantSrc, FormatTag.plain(srcDims.length)));
            source = reorderIfNeeded("to " + label, current, converted, inScale);
        }
        try (MemoryDesc weightsAny = MemoryDesc.of(weightDims, int8 ? DType.I8 : compute, FormatTag.ANY);
                MemoryDesc biasDesc = linear.hasBias() ? MemoryDesc.of(new long[] {linear.outFeatures()}, DType.F32, FormatTag.X) : null;
                MemoryDesc dstAny = MemoryDesc.of(new long[] {output.batch(), output.channels()}, dstType, FormatTag.ANY);
                PrimitiveAttr attr = new PrimitiveAttr()) {
            if (int8) {
                attr.scalesMask(Arg.SRC, 0).scalesMask(Arg.WEIGHTS, 1);
                if (dstType == DType.U8) {
                    attr.scalesMask(Arg.DST, 0);
                }
            }
            MemoryDesc in = source.desc();
            try (PrimitiveDesc pd = unsupportedTypeExplained(label, compute,
                        () -> PrimitiveDesc.innerProduct(engine, in, weightsAny, biasDesc, dstAny, attr));
                    MemoryDesc chosen = pd.weightsDesc()) {
                MemoryDesc src = own(pd.srcDesc());
                reorderIfNeeded("to " + label, source, src, inScale);
                Memory weights = store.weights(index, chosen);
                Memory bias = linear.hasBias() ? store.bias(index) : null;
                MemoryDesc dst = own(pd.dstDesc());
                boolean quantizedOut = dstType == DType.U8;
                steps.add(new Step(label, index, own(new Primitive(pd)), src, dst, weights, bias, scratchpad(pd), false,
                        int8 ? scale(inScale) : null, int8 ? weightScales(index) : null,
                        quantizedOut ? scale(outScale) : null));
                return new Activation(dst, quantizedOut ? outScale : Float.NaN);
            }
        }
    }

    /** Averages in the type of its input: u8 stays u8 with the same scale. */
    private Activation globalAverage(int index, String label, Shape input, Activation current) {
        if (current.desc().dims().length != 4) {
            throw new IllegalArgumentException(label + " needs a 4-D input, got " + current.desc());
        }
        DType type = current.desc().dataType();
        try (MemoryDesc dstAny = MemoryDesc.of(new long[] {input.batch(), input.channels(), 1, 1}, type, FormatTag.ANY);
                PrimitiveAttr attr = new PrimitiveAttr();
                PrimitiveDesc pd = PrimitiveDesc.averagePooling(engine, current.desc(), dstAny,
                        new long[] {input.height(), input.width()}, new long[] {1, 1}, attr)) {
            MemoryDesc dst = own(pd.dstDesc());
            steps.add(new Step(label, index, own(new Primitive(pd)), current.desc(), dst, null, null, scratchpad(pd), false,
                    null, null, null));
            return new Activation(dst, current.scale());
        }
    }

    private Memory weightScales(int index) {
        Memory scales = store.weightScales(index);
        if (scales == null) {
            throw new IllegalStateException("layer " + index + " computes in 8 bits but has no weight scales in the store");
        }
        return scales;
    }

    /** A one-value float32 memory holding {@code value}, or null for NaN. */
    private Memory scale(float value) {
        if (Float.isNaN(value)) {
            return null;
        }
        if (!(value > 0) || Float.isInfinite(value)) {
            throw new IllegalArgumentException("quantization scales must be finite and > 0, got " + value);
        }
        MemorySegment segment = constants.allocate(Float.BYTES, 64);
        segment.set(ValueLayout.JAVA_FLOAT, 0, value);
        MemoryDesc desc = own(MemoryDesc.of(new long[] {1}, DType.F32, FormatTag.X));
        return own(new Memory(engine, desc, segment));
    }

    /**
     * oneDNN answers {@code dnnl_unimplemented} for bf16 on CPUs without bf16 instructions (e.g.
     * NEON-only aarch64 cores); say which CPU feature is missing instead of passing the raw status on.
     */
    private static PrimitiveDesc unsupportedTypeExplained(String label, DType compute, Supplier<PrimitiveDesc> create) {
        try {
            return create.get();
        } catch (DnnlException e) {
            if (e.isUnimplemented() && compute == DType.BF16) {
                throw new UnsupportedOperationException(label + ": this CPU has no bf16 convolution in oneDNN (it needs"
                        + " AVX512-BF16 or AMX on x86-64, or the BF16 extension FEAT_BF16 on aarch64, which NEON-only"
                        + " cores such as Neoverse N1 lack); use FP32 instead", e);
            }
            if (e.isUnimplemented() && compute == DType.I8) {
                throw new UnsupportedOperationException(label + ": oneDNN has no 8-bit implementation of this layer on"
                        + " this CPU; use FP32 or BF16 instead", e);
            }
            throw e;
        }
    }

    private MemoryDesc scratchpad(PrimitiveDesc pd) {
        MemoryDesc desc = pd.scratchpadDesc();
        return desc == null ? null : own(desc);
    }
}
