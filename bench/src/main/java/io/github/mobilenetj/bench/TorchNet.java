package io.github.mobilenetj.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import io.github.mobilenetj.model.ModelConfig;
import io.github.mobilenetj.model.TestWeights;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The same network and weights on PyTorch 2.7.1 through DJL's PyTorch engine: the reference layout built from
 * DJL blocks (Conv2d without bias, BatchNorm with the running statistics, ReLU, global average pooling,
 * Linear), NCHW, BatchNorm not folded (as PyTorch runs the reference model in eval mode), parameters frozen
 * (no autograd). The input ({@code Support.fill} with the input seed, the values {@link OursNet} and {@link OrtNet} use)
 * is created once; each {@link #run()} is one {@code block.forward(..., training=false)}
 * whose intermediate tensors live in a per-call sub-manager that is closed after the call, the way a DJL
 * {@code Predictor} scopes them, without its translator.
 *
 * <p>Thread counts are process-wide in PyTorch ({@code at::set_num_threads}); DJL applies
 * {@code ai.djl.pytorch.num_threads} and {@code ai.djl.pytorch.num_interop_threads} when the engine starts, so
 * {@link #startEngine(int)} must run before anything else touches DJL in the JVM (JMH forks a JVM per
 * parameter combination, which makes that hold).
 */
final class TorchNet implements AutoCloseable {

    /** The DJL artifacts the benchmarks use, for the report. */
    static final String ARTIFACTS = "ai.djl.pytorch:pytorch-engine:0.36.0, pytorch-jni:2.7.1-0.36.0, pytorch-native-cpu:2.7.1:linux-x86_64";

    private final Model model;
    private final NDManager manager;
    private final Block block;
    private final ParameterStore parameters;
    private final NDArray input;
    private final FloatBuffer logits;

    /** Starts DJL's PyTorch engine offline with {@code threads} intra-op threads and one inter-op thread. */
    static Engine startEngine(int threads) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Engine engine = Engine.getEngine("PyTorch");
        int actual = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        if (actual != threads) {
            throw new IllegalStateException("PyTorch runs " + actual + " intra-op threads, not " + threads
                    + ": the engine was started before startEngine(" + threads + ")");
        }
        return engine;
    }

    /**
     * @param config α, resolution, classes, BN ε of the network; {@code maxBatchSize} is the batch
     */
    TorchNet(ModelConfig config, TestWeights weights, int threads) {
        startEngine(threads);
        int batch = config.maxBatchSize();
        int resolution = config.resolution();
        Model m = Model.newInstance("mobilenet_v1", "PyTorch");
        try {
            manager = m.getNDManager();
            block = network(config, weights, manager, batch);
            m.setBlock(block);
            parameters = new ParameterStore(manager, false);
            float[] values = new float[batch * config.inChannels() * resolution * resolution];
            Support.fill(MemorySegment.ofArray(values), Support.INPUT_SEED);
            this.input = manager.create(values, new Shape(batch, config.inChannels(), resolution, resolution));
            logits = FloatBuffer.allocate(batch * config.classes());
            run(); // the first forward: PyTorch's allocator and oneDNN's primitive cache warm up here
        } catch (RuntimeException | Error e) {
            m.close();
            throw e;
        }
        model = m;
    }

    /** One forward pass; its intermediates are freed when the call's sub-manager closes. */
    void run() {
        // PyTorch eager on the CPU has finished computing when forward returns; reading one value is cheap.
        forward(out -> logits.put(0, out.getFloat(0, 0)));
    }

    float firstLogit() {
        return logits.get(0);
    }

    /** All logits of the input batch, copied out (outside the measured path). */
    float[] logits() {
        float[][] all = new float[1][];
        forward(out -> all[0] = out.toFloatArray());
        return all[0];
    }

    /** Runs the network on the input and hands the output to {@code use} before the call's tensors are freed. */
    private void forward(Consumer<NDArray> use) {
        try (NDManager call = manager.newSubManager()) {
            input.tempAttach(call);
            use.accept(block.forward(parameters, new NDList(input), false).singletonOrThrow());
        }
    }

    /** Builds the reference layout from DJL blocks and copies the reference state_dict values into it. */
    private static Block network(ModelConfig config, TestWeights weights, NDManager manager, int batch) {
        double alpha = config.widthMultiplier();
        float eps = (float) config.batchNormEpsilon();
        SequentialBlock net = new SequentialBlock();
        List<Runnable> loads = new ArrayList<>();
        int[][] blocks = {
            {32, 64, 1}, {64, 128, 2}, {128, 128, 1}, {128, 256, 2}, {256, 256, 1}, {256, 512, 2},
            {512, 512, 1}, {512, 512, 1}, {512, 512, 1}, {512, 512, 1}, {512, 512, 1}, {512, 1024, 2}, {1024, 1024, 1},
        };
        int first = channels(32, alpha);
        addConvBn(net, loads, weights, "model.0.0", "model.0.1", first, 3, 2, 1, eps);
        for (int i = 0; i < blocks.length; i++) {
            int in = channels(blocks[i][0], alpha);
            int out = channels(blocks[i][1], alpha);
            String p = "model." + (i + 1) + ".";
            addConvBn(net, loads, weights, p + "0", p + "1", in, 3, blocks[i][2], in, eps);
            addConvBn(net, loads, weights, p + "3", p + "4", out, 1, 1, 1, eps);
        }
        net.add(Pool.globalAvgPool2dBlock());
        Linear fc = Linear.builder().setUnits(config.classes()).optBias(true).build();
        net.add(fc);
        loads.add(() -> {
            set(fc, "weight", weights, "fc.weight");
            set(fc, "bias", weights, "fc.bias");
        });
        net.initialize(manager, DataType.FLOAT32, new Shape(batch, config.inChannels(), config.resolution(), config.resolution()));
        loads.forEach(Runnable::run);
        net.freezeParameters(true);
        return net;
    }

    private static void addConvBn(SequentialBlock net, List<Runnable> loads, TestWeights weights, String conv,
            String bn, int filters, int kernel, int stride, int groups, float eps) {
        int pad = kernel / 2;
        Conv2d c = Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).setFilters(filters)
                .optStride(new Shape(stride, stride)).optPadding(new Shape(pad, pad)).optGroups(groups).optBias(false).build();
        BatchNorm b = BatchNorm.builder().optEpsilon(eps).build();
        net.add(c).add(b).add(Activation.reluBlock());
        loads.add(() -> {
            set(c, "weight", weights, conv + ".weight");
            set(b, "gamma", weights, bn + ".weight");
            set(b, "beta", weights, bn + ".bias");
            set(b, "runningMean", weights, bn + ".running_mean");
            set(b, "runningVar", weights, bn + ".running_var");
        });
    }

    /** Copies a reference tensor into a DJL parameter, checking the element count. */
    private static void set(Block block, String parameter, TestWeights weights, String tensor) {
        var p = block.getParameters().get(parameter);
        if (p == null) {
            throw new IllegalStateException(block + " has no parameter " + parameter + " (has " + block.getParameters().keys() + ")");
        }
        NDArray array = p.getArray();
        float[] values = weights.values(tensor);
        if (array.size() != values.length) {
            throw new IllegalStateException(tensor + ": " + values.length + " values, DJL parameter " + parameter
                    + " has shape " + array.getShape());
        }
        array.set(values);
    }

    private static int channels(int c, double alpha) {
        return (int) (c * alpha);
    }

    @Override
    public void close() {
        model.close();
    }
}
