package io.github.mobilenetj.nn;

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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Turns layers into oneDNN primitives. Every convolution lets oneDNN choose its activation and
 * weight layouts ({@code format_tag any}); a reorder is inserted only where the layout one
 * primitive writes differs from what the next one wants. Weights come from the
 * {@link ParameterStore} in the layout each primitive chose.
 */
final class NetworkCompiler {

    private final Engine engine;
    private final DType computeType;
    private final ParameterStore store;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();

    NetworkCompiler(Engine engine, DType computeType, ParameterStore store) {
        this.engine = engine;
        this.computeType = computeType;
        this.store = store;
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

    /** Appends the primitives of layer {@code index}; returns the layout its output will have. */
    MemoryDesc add(int index, Layer layer, Shape input, MemoryDesc current) {
        String label = index + ": " + layer.kind();
        return switch (layer) {
            case Conv2d conv -> convolution(index, label, conv, input, current);
            case Linear linear -> innerProduct(index, label, linear, input, current);
            case GlobalAvgPool pool -> globalAverage(label, input, current);
        };
    }

    /** Appends a reorder from {@code from} to {@code to} unless they already have the same layout. */
    MemoryDesc reorderIfNeeded(String label, MemoryDesc from, MemoryDesc to) {
        if (from.sameLayoutAs(to)) {
            return from;
        }
        try (PrimitiveAttr attr = new PrimitiveAttr(); PrimitiveDesc pd = PrimitiveDesc.reorder(engine, from, to, attr)) {
            steps.add(new Step("reorder " + label, own(new Primitive(pd)), from, to, null, null, scratchpad(pd), true));
        }
        return to;
    }

    private MemoryDesc convolution(int index, String label, Conv2d conv, Shape input, MemoryDesc current) {
        Shape output = conv.outputShape(input);
        boolean grouped = conv.groups() > 1;
        long[] weightDims = grouped
                ? new long[] {conv.groups(), conv.outChannels() / conv.groups(), conv.inChannels() / conv.groups(),
                    conv.kernelH(), conv.kernelW()}
                : new long[] {conv.outChannels(), conv.inChannels(), conv.kernelH(), conv.kernelW()};
        try (MemoryDesc srcAny = MemoryDesc.of(input.dims(), computeType, FormatTag.ANY);
                MemoryDesc weightsAny = MemoryDesc.of(weightDims, computeType, FormatTag.ANY);
                MemoryDesc biasDesc = conv.hasBias() ? MemoryDesc.of(new long[] {conv.outChannels()}, DType.F32, FormatTag.X) : null;
                MemoryDesc dstAny = MemoryDesc.of(output.dims(), computeType, FormatTag.ANY);
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
            try (PrimitiveDesc pd = unsupportedTypeExplained(label, () -> PrimitiveDesc.convolution(engine, srcAny, weightsAny,
                    biasDesc, dstAny, new long[] {conv.strideH(), conv.strideW()}, new long[] {conv.padTop(), conv.padLeft()},
                    new long[] {conv.padBottom(), conv.padRight()}, attr))) {
                MemoryDesc src = own(pd.srcDesc());
                reorderIfNeeded("to " + label, current, src);
                try (MemoryDesc chosen = pd.weightsDesc()) {
                    Memory weights = store.weights(index, chosen);
                    Memory bias = conv.hasBias() ? store.bias(index) : null;
                    MemoryDesc dst = own(pd.dstDesc());
                    steps.add(new Step(label, own(new Primitive(pd)), src, dst, weights, bias, scratchpad(pd), false));
                    return dst;
                }
            }
        }
    }

    private MemoryDesc innerProduct(int index, String label, Linear linear, Shape input, MemoryDesc current) {
        Shape output = linear.outputShape(input);
        // The source keeps whatever layout the previous layer produced; the weights follow it.
        long[] srcDims = current.dims();
        long[] weightDims = srcDims.length == 4
                ? new long[] {linear.outFeatures(), input.channels(), input.height(), input.width()}
                : new long[] {linear.outFeatures(), linear.inFeatures()};
        try (MemoryDesc weightsAny = MemoryDesc.of(weightDims, computeType, FormatTag.ANY);
                MemoryDesc biasDesc = linear.hasBias() ? MemoryDesc.of(new long[] {linear.outFeatures()}, DType.F32, FormatTag.X) : null;
                MemoryDesc dstAny = MemoryDesc.of(new long[] {output.batch(), output.channels()}, computeType, FormatTag.ANY);
                PrimitiveAttr attr = new PrimitiveAttr();
                PrimitiveDesc pd = PrimitiveDesc.innerProduct(engine, current, weightsAny, biasDesc, dstAny, attr);
                MemoryDesc chosen = pd.weightsDesc()) {
            MemoryDesc src = own(pd.srcDesc());
            reorderIfNeeded("to " + label, current, src);
            Memory weights = store.weights(index, chosen);
            Memory bias = linear.hasBias() ? store.bias(index) : null;
            MemoryDesc dst = own(pd.dstDesc());
            steps.add(new Step(label, own(new Primitive(pd)), src, dst, weights, bias, scratchpad(pd), false));
            return dst;
        }
    }

    private MemoryDesc globalAverage(String label, Shape input, MemoryDesc current) {
        if (current.dims().length != 4) {
            throw new IllegalArgumentException(label + " needs a 4-D input, got " + current);
        }
        try (MemoryDesc dstAny = MemoryDesc.of(new long[] {input.batch(), input.channels(), 1, 1}, computeType, FormatTag.ANY);
                PrimitiveAttr attr = new PrimitiveAttr();
                PrimitiveDesc pd = PrimitiveDesc.averagePooling(engine, current, dstAny,
                        new long[] {input.height(), input.width()}, new long[] {1, 1}, attr)) {
            MemoryDesc dst = own(pd.dstDesc());
            steps.add(new Step(label, own(new Primitive(pd)), current, dst, null, null, scratchpad(pd), false));
            return dst;
        }
    }

    /**
     * oneDNN answers {@code dnnl_unimplemented} for bf16 on CPUs without bf16 instructions (e.g.
     * NEON-only aarch64 cores); say which CPU feature is missing instead of passing the raw status on.
     */
    private PrimitiveDesc unsupportedTypeExplained(String label, Supplier<PrimitiveDesc> create) {
        try {
            return create.get();
        } catch (DnnlException e) {
            if (e.isUnimplemented() && computeType == DType.BF16) {
                throw new UnsupportedOperationException(label + ": this CPU has no bf16 convolution in oneDNN (it needs"
                        + " AVX512-BF16 or AMX on x86-64, or the BF16 extension FEAT_BF16 on aarch64, which NEON-only"
                        + " cores such as Neoverse N1 lack); use FP32 instead", e);
            }
            throw e;
        }
    }

    private MemoryDesc scratchpad(PrimitiveDesc pd) {
        MemoryDesc desc = pd.scratchpadDesc();
        return desc == null ? null : own(desc);
    }
}
