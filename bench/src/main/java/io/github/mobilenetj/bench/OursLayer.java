package io.github.mobilenetj.bench;

import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.nn.Execution;
import io.github.mobilenetj.nn.Network;
import io.github.mobilenetj.nn.ParameterStore;
import io.github.mobilenetj.nn.Workspace;

/**
 * A {@link LayerCase} compiled with mobilenetj's internal nn API for batch 1: engine, parameters,
 * network, workspace and execution, closed together in the right order.
 */
final class OursLayer implements AutoCloseable {

    final Engine engine;
    final ParameterStore store;
    final Network network;
    final Workspace workspace;
    final Execution execution;

    OursLayer(LayerCase layer, PixelLayout layout, int threads) {
        engine = Engine.cpu();
        store = new ParameterStore(engine);
        layer.fill(store);
        network = Network.compile(engine, layer.layers(), store, layer.input(), layout, layout, DType.F32, threads);
        workspace = new Workspace();
        execution = new Execution(network, workspace);
    }

    @Override
    public void close() {
        execution.close();
        workspace.close();
        network.close();
        store.close();
        engine.close();
    }
}
