package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.Arg;
import io.github.mobilenetj.dnnl.DataType;
import io.github.mobilenetj.dnnl.DnnlException;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.dnnl.ExecArgs;
import io.github.mobilenetj.dnnl.FormatTag;
import io.github.mobilenetj.dnnl.Memory;
import io.github.mobilenetj.dnnl.MemoryDesc;
import io.github.mobilenetj.dnnl.PostOps;
import io.github.mobilenetj.dnnl.Primitive;
import io.github.mobilenetj.dnnl.PrimitiveAttr;
import io.github.mobilenetj.dnnl.PrimitiveDesc;
import io.github.mobilenetj.dnnl.Stream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns layers into oneDNN primitives. Every convolution lets oneDNN choose its activation and
 * weight layouts ({@code format_tag any}); a reorder is inserted only where the layout one
 * primitive writes differs from what the next one wants. Weights are reordered into the chosen
 * layouts once, here, and never again.
 */
final class NetworkCompiler implements AutoCloseable {

    private final Engine engine;
    private final DataType dataType;
    private final Arena weightsArena;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private Stream uploadStream;

    NetworkCompiler(Engine engine, DataType dataType, Arena weightsArena) {
        this.engine = engine;
        this.dataType = dataType;
        this.weightsArena = weightsArena;
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

    /** Appends the primitives of {@code layer}; returns the layout its output will have. */
    MemoryDesc add(int index, Layer layer, Shape input, MemoryDesc current) {
        String label = index + ": " + layer.kind();
        return switch (layer) {
            case Conv2d conv -> convolution(label, conv, input, current);
            case Linear linear -> innerProduct(label, linear, input, current);
            case GlobalAvgPool pool -> globalAverage(label, input, current);
            case Softmax softmax -> softmax(label, current);
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

    private MemoryDesc convolution(String label, Conv2d conv, Shape input, MemoryDesc current) {
        Shape output = conv.outputShape(input);
        boolean grouped = conv.groups() > 1;
        long[] weightDims = grouped
                ? new long[] {conv.groups(), conv.outChannels() / conv.groups(), conv.inChannels() / conv.groups(),
                    conv.kernelH(), conv.kernelW()}
                : new long[] {conv.outChannels(), conv.inChannels(), conv.kernelH(), conv.kernelW()};
        FormatTag userWeightTag = grouped ? FormatTag.GOIHW : FormatTag.NCHW;
        try (MemoryDesc srcAny = MemoryDesc.of(input.dims(), dataType, FormatTag.ANY);
                MemoryDesc weightsAny = MemoryDesc.of(weightDims, dataType, FormatTag.ANY);
                MemoryDesc biasDesc = conv.hasBias() ? MemoryDesc.of(new long[] {conv.outChannels()}, DataType.F32, FormatTag.X) : null;
                MemoryDesc dstAny = MemoryDesc.of(output.dims(), dataType, FormatTag.ANY);
                PostOps postOps = new PostOps();
                PrimitiveAttr attr = new PrimitiveAttr()) {
            if (conv.activation().appendTo(postOps)) {
                attr.postOps(postOps);
            }
            try (PrimitiveDesc pd = unsupportedTypeExplained(label, () -> PrimitiveDesc.convolution(engine, srcAny, weightsAny,
                    biasDesc, dstAny, new long[] {conv.strideH(), conv.strideW()}, new long[] {conv.padTop(), conv.padLeft()},
                    new long[] {conv.padBottom(), conv.padRight()}, attr))) {
                MemoryDesc src = own(pd.srcDesc());
                reorderIfNeeded("to " + label, current, src);
                Memory weights = upload(conv.weightsView(), weightDims, userWeightTag, own(pd.weightsDesc()));
                Memory bias = conv.hasBias() ? upload(conv.biasView(), new long[] {conv.outChannels()}, FormatTag.X,
                        own(MemoryDesc.of(new long[] {conv.outChannels()}, DataType.F32, FormatTag.X))) : null;
                MemoryDesc dst = own(pd.dstDesc());
                steps.add(new Step(label, own(new Primitive(pd)), src, dst, weights, bias, scratchpad(pd), false));
                return dst;
            }
        }
    }

    private MemoryDesc innerProduct(String label, Linear linear, Shape input, MemoryDesc current) {
        Shape output = linear.outputShape(input);
        // The source keeps whatever layout the previous layer produced; the weights follow it.
        long[] srcDims = current.dims();
        long[] weightDims = srcDims.length == 4
                ? new long[] {linear.outFeatures(), input.channels(), input.height(), input.width()}
                : new long[] {linear.outFeatures(), linear.inFeatures()};
        FormatTag userWeightTag = srcDims.length == 4 ? FormatTag.NCHW : FormatTag.NC;
        try (MemoryDesc weightsAny = MemoryDesc.of(weightDims, dataType, FormatTag.ANY);
                MemoryDesc biasDesc = linear.hasBias() ? MemoryDesc.of(new long[] {linear.outFeatures()}, DataType.F32, FormatTag.X) : null;
                MemoryDesc dstAny = MemoryDesc.of(new long[] {output.batch(), output.channels()}, dataType, FormatTag.ANY);
                PrimitiveAttr attr = new PrimitiveAttr();
                PrimitiveDesc pd = PrimitiveDesc.innerProduct(engine, current, weightsAny, biasDesc, dstAny, attr)) {
            MemoryDesc src = own(pd.srcDesc());
            reorderIfNeeded("to " + label, current, src);
            Memory weights = upload(linear.weightsView(), weightDims, userWeightTag, own(pd.weightsDesc()));
            Memory bias = linear.hasBias() ? upload(linear.biasView(), new long[] {linear.outFeatures()}, FormatTag.X,
                    own(MemoryDesc.of(new long[] {linear.outFeatures()}, DataType.F32, FormatTag.X))) : null;
            MemoryDesc dst = own(pd.dstDesc());
            steps.add(new Step(label, own(new Primitive(pd)), src, dst, weights, bias, scratchpad(pd), false));
            return dst;
        }
    }

    private MemoryDesc globalAverage(String label, Shape input, MemoryDesc current) {
        if (current.dims().length != 4) {
            throw new IllegalArgumentException(label + " needs a 4-D input, got " + current);
        }
        try (MemoryDesc dstAny = MemoryDesc.of(new long[] {input.batch(), input.channels(), 1, 1}, dataType, FormatTag.ANY);
                PrimitiveAttr attr = new PrimitiveAttr();
                PrimitiveDesc pd = PrimitiveDesc.averagePooling(engine, current, dstAny,
                        new long[] {input.height(), input.width()}, new long[] {1, 1}, attr)) {
            MemoryDesc dst = own(pd.dstDesc());
            steps.add(new Step(label, own(new Primitive(pd)), current, dst, null, null, scratchpad(pd), false));
            return dst;
        }
    }

    private MemoryDesc softmax(String label, MemoryDesc current) {
        try (PrimitiveAttr attr = new PrimitiveAttr();
                PrimitiveDesc pd = PrimitiveDesc.softmax(engine, current, current, 1, attr)) {
            MemoryDesc dst = own(pd.dstDesc());
            steps.add(new Step(label, own(new Primitive(pd)), current, dst, null, null, scratchpad(pd), false));
            return dst;
        }
    }

    /**
     * oneDNN answers {@code dnnl_unimplemented} for bf16 on CPUs without bf16 instructions (e.g.
     * NEON-only aarch64 cores); say which CPU feature is missing instead of passing the raw status on.
     */
    private PrimitiveDesc unsupportedTypeExplained(String label, java.util.function.Supplier<PrimitiveDesc> create) {
        try {
            return create.get();
        } catch (DnnlException e) {
            if (e.isUnimplemented() && dataType == DataType.BF16) {
                throw new UnsupportedOperationException(label + ": this CPU has no bf16 convolution in oneDNN (it needs"
                        + " AVX512-BF16 or AMX on x86-64, or the BF16 extension FEAT_BF16 on aarch64, which NEON-only"
                        + " cores such as Neoverse N1 lack); compile with DataType.F32 instead", e);
            }
            throw e;
        }
    }

    private MemoryDesc scratchpad(PrimitiveDesc pd) {
        MemoryDesc desc = pd.scratchpadDesc();
        return desc == null ? null : own(desc);
    }

    /** Copies {@code values} (plain layout {@code userTag}) into a model-owned buffer laid out as {@code target}. */
    private Memory upload(float[] values, long[] dims, FormatTag userTag, MemoryDesc target) {
        MemorySegment buffer = weightsArena.allocate(target.byteSize(), 64);
        Memory stored = own(new Memory(engine, target, buffer));
        try (Arena staging = Arena.ofConfined();
                MemoryDesc userDesc = MemoryDesc.of(dims, DataType.F32, userTag)) {
            MemorySegment plain = staging.allocate((long) values.length * Float.BYTES, 64);
            MemorySegment.copy(values, 0, plain, ValueLayout.JAVA_FLOAT, 0, values.length);
            if (userDesc.sameLayoutAs(target)) {
                MemorySegment.copy(plain, 0, buffer, 0, plain.byteSize());
                return stored;
            }
            try (Memory source = new Memory(engine, userDesc, plain);
                    PrimitiveAttr attr = new PrimitiveAttr();
                    PrimitiveDesc pd = PrimitiveDesc.reorder(engine, userDesc, target, attr);
                    Primitive reorder = new Primitive(pd);
                    MemoryDesc scratchDesc = pd.scratchpadDesc()) {
                MemorySegment scratch = scratchDesc == null ? null : staging.allocate(scratchDesc.byteSize(), 64);
                try (Memory scratchMemory = scratchDesc == null ? null : new Memory(engine, scratchDesc, scratch)) {
                    ExecArgs args = new ExecArgs(staging, 3).put(Arg.FROM, source).put(Arg.TO, stored);
                    if (scratchMemory != null) {
                        args.put(Arg.SCRATCHPAD, scratchMemory);
                    }
                    reorder.execute(uploadStream(), args);
                    uploadStream().await();
                }
            }
        }
        return stored;
    }

    private Stream uploadStream() {
        if (uploadStream == null) {
            uploadStream = new Stream(engine);
        }
        return uploadStream;
    }

    /** Releases what only compilation needed; the primitives and weights stay with the network. */
    @Override
    public void close() {
        if (uploadStream != null) {
            uploadStream.close();
        }
    }
}
