package io.github.mobilenetj.model;

import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.nn.ComputePlan;
import io.github.mobilenetj.nn.Layer;
import io.github.mobilenetj.nn.Network;
import io.github.mobilenetj.nn.ParameterStore;
import io.github.mobilenetj.nn.Shape;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Everything native a {@link MobileNetV1} owns, and the one lifecycle of the library: the model
 * owns its sessions, its compiled networks, its parameters and its engine, and
 * {@link #close(String)} frees them in that order, waiting for a session that is running to
 * finish its run first. Holds no reference to the {@code MobileNetV1} or {@code Session} objects,
 * so the {@link Cleaner} can free what a program forgot to close.
 */
final class ModelState implements Runnable {

    /** The library's one cleaner thread, for models and sessions a program never closed. */
    static final Cleaner CLEANER = Cleaner.create();

    private static final System.Logger LOG = System.getLogger(MobileNetV1.class.getName());

    private final String description;
    private final Engine engine;
    private final ParameterStore store;
    private final List<Layer> layers;
    private final Shape image;
    private final PixelLayout inputLayout;
    private final ComputePlan plan;
    /** Compiled on first use, by batch size and thread count. */
    private final Map<Long, Network> networks = new LinkedHashMap<>();
    private final Set<SessionState> sessions = Collections.newSetFromMap(new IdentityHashMap<>());
    private final CountDownLatch freed = new CountDownLatch(1);
    private String closedBecause;

    ModelState(String description, Engine engine, ParameterStore store, List<Layer> layers, Shape image,
            PixelLayout inputLayout, ComputePlan plan) {
        this.description = description;
        this.engine = engine;
        this.store = store;
        this.layers = List.copyOf(layers);
        this.image = image;
        this.inputLayout = inputLayout;
        this.plan = plan;
    }

    String description() {
        return description;
    }

    /** The network for {@code batch} images on {@code threads} threads, compiled on first use. */
    synchronized Network network(int batch, int threads) {
        checkOpen();
        long key = ((long) batch << 32) | threads;
        Network network = networks.get(key);
        if (network == null) {
            network = Network.compile(engine, layers, store, image.withBatch(batch), inputLayout, PixelLayout.CHW,
                    plan, threads);
            networks.put(key, network);
            store.dropPlainWeights();
        }
        return network;
    }

    /** Something done with the parameters that may fail with an {@link java.io.IOException}. */
    @FunctionalInterface
    interface StoreAction {
        void accept(ParameterStore store) throws java.io.IOException;
    }

    /** Runs {@code action} on the parameters, while the model is open. */
    synchronized void read(java.util.function.Consumer<ParameterStore> action) {
        checkOpen();
        action.accept(store);
    }

    /** Runs {@code action} (e.g. writing a file) on the parameters, while the model is open. */
    synchronized void write(StoreAction action) throws java.io.IOException {
        checkOpen();
        action.accept(store);
    }

    /** How many networks are compiled: one per (batch size, thread count) used so far. */
    synchronized int networkCount() {
        return networks.size();
    }

    /** Native bytes of the parameters (every layout held). */
    synchronized long parameterBytes() {
        return closedBecause == null ? store.byteSize() : 0;
    }

    synchronized void register(SessionState session) {
        checkOpen();
        sessions.add(session);
    }

    synchronized void unregister(SessionState session) {
        sessions.remove(session);
    }

    synchronized int openSessions() {
        return sessions.size();
    }

    synchronized boolean isClosed() {
        return closedBecause != null;
    }

    private void checkOpen() {
        if (closedBecause != null) {
            throw new IllegalStateException(description + " is closed" + (closedBecause.isEmpty() ? "" : " (" + closedBecause + ")"));
        }
    }

    /**
     * Stops new sessions and runs, closes every open session (waiting for a running one to
     * finish its run), then frees the networks, the parameters and the engine. Returns when
     * everything is freed, also when another thread is closing at the same time.
     */
    void close(String because) {
        List<SessionState> open;
        synchronized (this) {
            if (closedBecause != null) {
                open = null;
            } else {
                closedBecause = because;
                open = new ArrayList<>(sessions);
            }
        }
        if (open == null) {
            awaitFreed();
            return;
        }
        try {
            RuntimeException failure = null;
            for (SessionState s : open) {
                try {
                    s.close("its model was closed");
                } catch (RuntimeException e) {
                    failure = add(failure, e);
                }
            }
            synchronized (this) {
                for (Network n : networks.values()) {
                    try {
                        n.close();
                    } catch (RuntimeException e) {
                        failure = add(failure, e);
                    }
                }
                networks.clear();
                try {
                    store.close();
                } catch (RuntimeException e) {
                    failure = add(failure, e);
                }
                try {
                    engine.close();
                } catch (RuntimeException e) {
                    failure = add(failure, e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            freed.countDown();
        }
    }

    private static RuntimeException add(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private void awaitFreed() {
        boolean interrupted = false;
        while (true) {
            try {
                freed.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The cleaner's action: the model became unreachable without being closed. */
    @Override
    public void run() {
        boolean open;
        synchronized (this) {
            open = closedBecause == null;
        }
        if (open) {
            LOG.log(System.Logger.Level.WARNING, description + " was never closed; freeing its native memory now."
                    + " Close models (and sessions) with try-with-resources or close().");
            close("it was garbage-collected without being closed");
        }
    }
}
