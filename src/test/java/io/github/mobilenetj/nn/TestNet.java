package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A network compiled from layers and their float32 parameters, for tests: the store, the network,
 * a workspace and an execution, closed together in the right order. Parameter {@code i} belongs to
 * layer {@code i}; null for a layer without weights or bias.
 */
final class TestNet implements AutoCloseable {

    final ParameterStore store;
    final Network network;
    final Workspace workspace;
    final Execution execution;

    private TestNet(ParameterStore store, Network network, Workspace workspace, Execution execution) {
        this.store = store;
        this.network = network;
        this.workspace = workspace;
        this.execution = execution;
    }

    static TestNet compile(Engine engine, List<? extends Layer> layers, List<float[]> weights, List<float[]> biases,
            Shape input, PixelLayout inputLayout, PixelLayout outputLayout, DType computeType, int threads) {
        ParameterStore store = new ParameterStore(engine);
        Network network = null;
        Workspace workspace = null;
        try {
            fill(store, layers, weights, biases);
            network = Network.compile(engine, layers, store, input, inputLayout, outputLayout, computeType, threads);
            workspace = new Workspace();
            return new TestNet(store, network, workspace, new Execution(network, workspace));
        } catch (RuntimeException | Error e) {
            if (workspace != null) {
                workspace.close();
            }
            if (network != null) {
                network.close();
            }
            store.close();
            throw e;
        }
    }

    /** Copies each layer's weights (PyTorch layout) and bias into {@code store}. */
    static void fill(ParameterStore store, List<? extends Layer> layers, List<float[]> weights, List<float[]> biases) {
        for (int i = 0; i < layers.size(); i++) {
            long[] shape = switch (layers.get(i)) {
                case Conv2d c -> c.weightShape();
                case Linear l -> l.weightShape();
                case GlobalAvgPool p -> null;
            };
            if (shape != null) {
                float[] w = weights.get(i);
                MemorySegment dst = store.allocateWeights(i, shape);
                if (dst.byteSize() != (long) w.length * Float.BYTES) {
                    throw new IllegalArgumentException("layer " + i + " needs " + dst.byteSize() / Float.BYTES
                            + " weights, got " + w.length);
                }
                MemorySegment.copy(w, 0, dst, ValueLayout.JAVA_FLOAT, 0, w.length);
            }
            float[] b = biases.get(i);
            if (b != null) {
                MemorySegment dst = store.allocateBias(i, b.length);
                MemorySegment.copy(b, 0, dst, ValueLayout.JAVA_FLOAT, 0, b.length);
            }
        }
    }

    /** Runs on float arrays in the compiled layouts. */
    float[] run(float[] input) {
        float[] out = new float[(int) (network.outputBytes() / Float.BYTES)];
        execution.run(input, out);
        return out;
    }

    @Override
    public void close() {
        execution.close();
        workspace.close();
        network.close();
        store.close();
    }
}
