package io.github.mobilenetj.model;

import io.github.mobilenetj.dnnl.DataType;
import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.ImageTransform;
import io.github.mobilenetj.image.Labels;
import io.github.mobilenetj.io.SafetensorsFile;
import io.github.mobilenetj.nn.Activation;
import io.github.mobilenetj.nn.BatchNorm;
import io.github.mobilenetj.nn.CompiledNetwork;
import io.github.mobilenetj.nn.Conv2d;
import io.github.mobilenetj.nn.GlobalAvgPool;
import io.github.mobilenetj.nn.Layer;
import io.github.mobilenetj.nn.Layout;
import io.github.mobilenetj.nn.Linear;
import io.github.mobilenetj.nn.Sequential;
import io.github.mobilenetj.nn.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * MobileNetV1 (Howard et al. 2017) compiled to oneDNN primitives.
 *
 * <pre>{@code
 * try (MobileNetV1 model = MobileNetV1.builder().widthMultiplier(0.75).resolution(192).classes(1000)
 *         .weights(Path.of("mobilenet_v1.safetensors")).build();
 *      Session session = model.newSession()) {
 *     float[] logits = session.run(image);   // one 3x192x192 NCHW image
 * }
 * }</pre>
 *
 * <p><b>Thread safety:</b> a built model is immutable and thread-safe; share one across threads.
 * It holds the BatchNorm-folded weights, reordered once into the layouts oneDNN chose, and the
 * primitives. Each thread runs inference through its own {@link Session}. {@link #close()} frees
 * the native memory and refuses while sessions are still open.
 */
public final class MobileNetV1 implements AutoCloseable {

    private final ModelConfig config;
    private final Labels labels;
    private final ImageTransform preprocessing;
    private final Sequential network;
    private final Engine engine;
    private final DataType dataType;
    /** OpenMP threads of sessions opened with {@link #newSession()}. */
    private final int threads;
    /** Networks compiled on first use, by batch size and thread count. */
    private final Map<Long, CompiledNetwork> compiled = new HashMap<>();
    private boolean closed;
    private int openSessions;

    private MobileNetV1(ModelConfig config, Weights weights, DataType dataType, Labels labels, ImageTransform preprocessing,
            int threads) {
        this.config = config;
        this.threads = threads;
        this.labels = labels;
        this.preprocessing = preprocessing;
        this.dataType = dataType;
        this.network = new Sequential(layers(config, weights));
        this.network.outputShape(inputShape(1));
        this.engine = Engine.cpu();
        try {
            compiledFor(1, threads);
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Class-path location of the bundled Fashion-MNIST model (see train/README.md). */
    public static final String FASHION_MNIST_RESOURCE = "/io/github/mobilenetj/model/fashion-mnist-mobilenet_v1.safetensors";

    /**
     * The bundled MobileNetV1 trained by this project on Fashion-MNIST (1-channel images, 10
     * classes), with its labels and preprocessing, for batches of up to {@code maxBatchSize}.
     */
    public static MobileNetV1 fashionMnist(int maxBatchSize) throws IOException {
        // SafetensorsFile maps a file; a resource inside a jar has none, so it goes through a temporary copy.
        Path copy = Files.createTempFile("mobilenetj-fashion-mnist", ".safetensors");
        try {
            try (InputStream in = MobileNetV1.class.getResourceAsStream(FASHION_MNIST_RESOURCE)) {
                if (in == null) {
                    throw new IOException("the bundled model " + FASHION_MNIST_RESOURCE + " is missing from the class path");
                }
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            }
            return load(copy, maxBatchSize);
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** Builds the model a self-describing weights file describes, for batches of one image. */
    public static MobileNetV1 load(Path file) throws IOException {
        return load(file, 1);
    }

    /**
     * Builds the model a self-describing weights file describes: its architecture, class labels
     * and preprocessing come from the file's metadata (see {@link ModelMetadata}).
     *
     * @throws IllegalArgumentException when the metadata is missing or does not match the tensors
     */
    public static MobileNetV1 load(Path file, int maxBatchSize) throws IOException {
        Objects.requireNonNull(file, "file");
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            ModelMetadata meta = ModelMetadata.parse(st.metadata(), file.toString(), maxBatchSize);
            Weights weights = Weights.from(st, meta.config());
            return new MobileNetV1(meta.config(), weights, DataType.F32, meta.labels(), meta.preprocessing(), Dnnl.threads());
        }
    }

    /** The layers with BatchNorm folded into each convolution and the activation fused. */
    static List<Layer> layers(ModelConfig config, Weights w) {
        List<Layer> layers = new ArrayList<>();
        Activation act = config.activation();
        for (Architecture.Block block : Architecture.blocks()) {
            int in = Architecture.inChannels(block, config);
            int out = config.channels(block.outBase());
            String p = "model." + block.index() + ".";
            if (block.depthwiseSeparable()) {
                layers.add(Conv2d.depthwise(in, 3).stride(block.stride()).padding(1).weights(w.values(p + "0.weight")).build()
                        .foldBatchNorm(batchNorm(w, p + "1.", config)).withActivation(act));
                layers.add(Conv2d.pointwise(in, out).weights(w.values(p + "3.weight")).build()
                        .foldBatchNorm(batchNorm(w, p + "4.", config)).withActivation(act));
            } else {
                layers.add(Conv2d.builder(in, out).kernel(3).stride(block.stride()).padding(1)
                        .weights(w.values(p + "0.weight")).build()
                        .foldBatchNorm(batchNorm(w, p + "1.", config)).withActivation(act));
            }
        }
        layers.add(new GlobalAvgPool());
        layers.add(new Linear(config.channels(Architecture.FEATURES), config.classes(), w.values("fc.weight"),
                w.values("fc.bias")));
        return layers;
    }

    private static BatchNorm batchNorm(Weights w, String prefix, ModelConfig config) {
        return new BatchNorm(w.values(prefix + "weight"), w.values(prefix + "bias"), w.values(prefix + "running_mean"),
                w.values(prefix + "running_var"), config.batchNormEpsilon());
    }

    Shape inputShape(int batch) {
        return new Shape(batch, config.inChannels(), config.resolution(), config.resolution());
    }

    /** The network for {@code batch} images on {@code threadCount} threads, compiled on first use. */
    synchronized CompiledNetwork compiledFor(int batch, int threadCount) {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
        if (batch < 1 || batch > config.maxBatchSize()) {
            throw new IllegalArgumentException("batch size " + batch + " is outside 1.." + config.maxBatchSize()
                    + " (set maxBatchSize on the builder)");
        }
        return compiled.computeIfAbsent(((long) batch << 32) | threadCount,
                key -> network.compile(engine, inputShape(batch), config.inputLayout(), Layout.NCHW, dataType, threadCount));
    }

    /** A session running on the model's thread count ({@link Builder#threads(int)}). */
    public Session newSession() {
        return new Session(this, threads);
    }

    synchronized void sessionOpened() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
        openSessions++;
    }

    synchronized void sessionClosed() {
        openSessions--;
    }

    /**
     * A session whose runs use {@code threadCount} OpenMP threads. oneDNN fixes the thread count
     * when it creates primitives, so a count other than the model's compiles its own primitives
     * on the session's first run of each batch size.
     */
    public Session newSession(int threadCount) {
        if (threadCount <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threadCount);
        }
        return new Session(this, threadCount);
    }

    /** OpenMP threads of sessions opened with {@link #newSession()}. */
    public int threads() {
        return threads;
    }

    public ModelConfig config() {
        return config;
    }

    /** Class names: from the weights file's metadata, else ImageNet's for 1000 classes, else "class i". */
    public Labels labels() {
        return labels;
    }

    /** How images become this model's input: from the weights file's metadata, else torchvision's ImageNet transform. */
    public ImageTransform preprocessing() {
        return preprocessing;
    }

    /** The element type the network computes in (F32). */
    public DataType dataType() {
        return dataType;
    }

    /** The per-module table with parameter and multiply-add counts. */
    public Summary summary() {
        return Summary.of(config);
    }

    /** The primitives of the batch-1 network and the implementations oneDNN chose. */
    public List<CompiledNetwork.PrimitiveInfo> primitives() {
        return compiledFor(1, threads).primitives();
    }

    /** Floats in one input image: channels x resolution x resolution. */
    public int imageSize() {
        return config.inChannels() * config.resolution() * config.resolution();
    }

    /**
     * Frees primitives and weights; a second call does nothing.
     *
     * @throws IllegalStateException while sessions of this model are open
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (openSessions > 0) {
            throw new IllegalStateException(openSessions + " session(s) of this model are still open; close them first");
        }
        for (CompiledNetwork c : compiled.values()) {
            c.close();
        }
        closed = true;
        engine.close();
    }

    /** Configures a {@link MobileNetV1}; defaults are the paper's α 1.0, 224, 1000 classes. */
    public static final class Builder {
        private double widthMultiplier = 1.0;
        private int resolution = 224;
        private int classes = 1000;
        private int inChannels = 3;
        private Activation activation = Activation.RELU;
        private double batchNormEpsilon = BatchNorm.PYTORCH_EPSILON;
        private Layout inputLayout = Layout.NCHW;
        private int maxBatchSize = 1;
        private Weights weights;
        private Path weightsFile;
        private long seed = 42;
        private int threads;

        private Builder() {
        }

        /** The paper's α: channels of every layer scale to {@code (int) (c * α)}. */
        public Builder widthMultiplier(double alpha) { widthMultiplier = alpha; return this; }
        /** Input height and width. */
        public Builder resolution(int pixels) { resolution = pixels; return this; }
        public Builder classes(int count) { classes = count; return this; }
        /** Image channels: 3 for RGB (default), 1 for grayscale. */
        public Builder inChannels(int count) { inChannels = count; return this; }
        /** {@link Activation#RELU} (PyTorch reference, default) or {@link Activation#RELU6} (TensorFlow/Keras). */
        public Builder activation(Activation a) { activation = Objects.requireNonNull(a, "activation"); return this; }
        /** BatchNorm ε: 1e-5 (PyTorch, default) or 1e-3 (TensorFlow). */
        public Builder batchNormEpsilon(double eps) { batchNormEpsilon = eps; return this; }
        public Builder inputLayout(Layout layout) { inputLayout = Objects.requireNonNull(layout, "layout"); return this; }
        public Builder maxBatchSize(int size) { maxBatchSize = size; return this; }
        /** Weights already in memory; they must match the configuration. */
        public Builder weights(Weights w) { weights = Objects.requireNonNull(w, "weights"); weightsFile = null; return this; }
        /** A safetensors state_dict to load at build time. */
        public Builder weights(Path file) { weightsFile = Objects.requireNonNull(file, "file"); weights = null; return this; }
        /**
         * OpenMP threads per inference for {@link MobileNetV1#newSession()}; by default the
         * building thread's OpenMP setting (OMP_NUM_THREADS, else the number of cores).
         */
        public Builder threads(int count) {
            if (count <= 0) {
                throw new IllegalArgumentException("threads must be positive, got " + count);
            }
            threads = count;
            return this;
        }

        /** Seeded random weights (the default when no weights are given). */
        public Builder randomWeights(long randomSeed) { seed = randomSeed; weights = null; weightsFile = null; return this; }

        public ModelConfig config() {
            return new ModelConfig(widthMultiplier, resolution, classes, inChannels, activation, batchNormEpsilon,
                    inputLayout, maxBatchSize);
        }

        /** Loads or creates the weights, folds BatchNorm and compiles the batch-1 network. */
        public MobileNetV1 build() throws IOException {
            ModelConfig config = config();
            Weights w = weights != null ? weights
                    : weightsFile != null ? Weights.load(weightsFile, config)
                    : Weights.random(config, seed);
            w.requireShapesOf(config);
            return new MobileNetV1(config, w, DataType.F32, ModelMetadata.defaultLabels(config.classes()),
                    ModelMetadata.defaultPreprocessing(config), threads > 0 ? threads : Dnnl.threads());
        }
    }
}
