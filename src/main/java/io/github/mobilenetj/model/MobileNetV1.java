package io.github.mobilenetj.model;

import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.ImageTransform;
import io.github.mobilenetj.image.Labels;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.io.SafetensorsFile;
import io.github.mobilenetj.nn.ComputePlan;
import io.github.mobilenetj.nn.Network;
import io.github.mobilenetj.nn.ParameterStore;
import io.github.mobilenetj.nn.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * MobileNetV1 (Howard et al. 2017) compiled to oneDNN primitives: the model a program builds once
 * and shares, and the factory of the {@link Session}s that run it.
 *
 * {@snippet class=io.github.mobilenetj.examples.Snippets region=classify}
 *
 * <p><b>Building.</b> {@link #load(Path)} builds the model a weights file describes;
 * {@link #builder()} sets the paper's hyper-parameters ({@code widthMultiplier(0.75).resolution(192)})
 * and how the model runs ({@code threads}, {@code maxBatchSize}, {@code precision}), then
 * {@link Builder#load(Path)} reads a weights file, {@link Builder#fashionMnist()} takes the bundled
 * model, and {@link Builder#build()} makes seeded random weights (for benchmarks and tests). Files
 * are safetensors state_dicts of the reference PyTorch model or of timm's {@code mobilenetv1_100},
 * optionally self-describing through their metadata.
 *
 * <p><b>Thread safety.</b> A model is immutable and thread-safe. Each thread that runs inference
 * opens its own {@link Session} (cheap: it holds only activation buffers). The weights (BatchNorm
 * folded, reordered once into the layouts oneDNN chose) are shared by every session.
 *
 * <p><b>Memory.</b> The model holds its weights in native memory (about 4 bytes per parameter at
 * FP32, {@link #parameterBytes()}), once per distinct weight layout oneDNN picks, plus the
 * primitives of one network per batch size and thread count used (compiled on first use, a few
 * hundred KB each, sharing the weights). Each session holds its activation buffers, sized for the
 * largest batch it has run ({@link Session#workspaceBytes()}).
 *
 * <p><b>Lifecycle.</b> {@link #close()} closes every session still open (a session that is in
 * the middle of a run finishes that run first), then frees the networks, the weights and the
 * engine; sessions of a closed model throw {@link IllegalStateException}. So a server can shut down
 * by closing the model alone. A model or session that becomes unreachable without being closed is
 * freed by a {@link Cleaner}, with a warning in the log.
 */
public final class MobileNetV1 implements AutoCloseable {

    /** Class-path location of the bundled Fashion-MNIST model (see train/README.md). */
    static final String FASHION_MNIST_RESOURCE = "/io/github/mobilenetj/model/fashion-mnist-mobilenet_v1.safetensors";
    /**
     * Class-path location of its INT8 version: {@code mobilenetj quantize} on the first 500
     * Fashion-MNIST training images (see train/README.md).
     */
    static final String FASHION_MNIST_INT8_RESOURCE =
            "/io/github/mobilenetj/model/fashion-mnist-mobilenet_v1.int8.safetensors";

    private final ModelConfig config;
    private final Precision precision;
    private final int threads;
    private final Labels labels;
    private final ImageTransform preprocessing;
    private final ModelState state;
    private final Cleaner.Cleanable cleanable;
    /** The 8-bit plan and how it was calibrated, for INT8 models; null otherwise. */
    private final Quantization quantization;
    /** Metadata of the weights file worth passing on to a quantized file (preprocessing, labels). */
    private final Map<String, String> passThrough;

    /**
     * @param parameters fills the store: a float state_dict folded, a quantized file, or a float
     *        model's parameters quantized
     */
    private MobileNetV1(ModelConfig config, Precision precision, int threads, Labels labels, ImageTransform preprocessing,
            Consumer<ParameterStore> parameters, Quantization quantization, Map<String, String> passThrough) {
        this.config = config;
        this.precision = precision;
        this.threads = threads;
        this.labels = labels;
        this.preprocessing = preprocessing;
        this.quantization = quantization;
        this.passThrough = Map.copyOf(passThrough);
        Architecture architecture = Architecture.of(config);
        architecture.checkWorkspace(config.maxBatchSize());
        ComputePlan plan = quantization != null ? quantization.plan()
                : ComputePlan.uniform(precision == Precision.BF16 ? DType.BF16 : DType.F32, architecture.layers().size());
        String description = String.format(Locale.ROOT, "MobileNetV1 α %s %dx%d (%d classes, %s)", config.widthMultiplier(),
                config.resolution(), config.resolution(), config.classes(), precision);
        Engine engine = Engine.cpu();
        ParameterStore store = new ParameterStore(engine);
        ModelState created = new ModelState(description, engine, store, architecture.layers(),
                new Shape(1, config.inChannels(), config.resolution(), config.resolution()), config.inputLayout(),
                plan);
        try {
            parameters.accept(store);
            created.network(1, threads); // fails here, not on the first run, if oneDNN cannot run this model
        } catch (RuntimeException | Error e) {
            try {
                created.close("building it failed");
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        this.state = created;
        this.cleanable = ModelState.CLEANER.register(this, created);
    }

    /**
     * Writes this INT8 model as a quantized safetensors file (format {@code mobilenetj-quantized},
     * version 1: s8 weights with per-channel scales, float biases, activation scales, and metadata
     * saying how it was calibrated, plus the original file's preprocessing and labels), which
     * {@link #load(Path)} reads back without any calibration data.
     *
     * @param file where to write; replaced if it exists
     * @throws IOException if the file cannot be written
     * @throws IllegalStateException unless this is an INT8 model, or if it is closed
     */
    public void saveQuantized(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (quantization == null) {
            throw new IllegalStateException("only INT8 models can be saved quantized; this one is " + precision);
        }
        state.write(store -> QuantizedFile.write(file, Architecture.of(config), store, quantization, passThrough));
    }

    /**
     * A builder with the paper's defaults: α 1.0, 224x224 RGB, 1000 classes, ReLU, FP32.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds the model a weights file describes, with the default settings of {@link #builder()}
     * for what the file does not say: see {@link Builder#load(Path)}.
     *
     * @param file a safetensors state_dict
     * @return the model, to be closed by the caller
     * @throws IOException if the file cannot be read or is not a valid safetensors file
     * @throws IllegalArgumentException listing every tensor that does not fit the model
     */
    public static MobileNetV1 load(Path file) throws IOException {
        return builder().load(file);
    }

    /**
     * The bundled MobileNetV1 this project trained on Fashion-MNIST (1-channel 28x28 images padded
     * to 32x32, 10 classes), with its labels and preprocessing: see {@link Builder#fashionMnist()}.
     *
     * @return the model, to be closed by the caller
     */
    public static MobileNetV1 fashionMnist() {
        return builder().fashionMnist();
    }

    /**
     * A new session running on the model's thread count ({@link #threads()}).
     *
     * @return the session, to be closed by the caller (or by {@link #close()})
     * @throws IllegalStateException if the model is closed
     */
    public Session newSession() {
        return newSession(threads);
    }

    /**
     * A new session whose runs use {@code threadCount} OpenMP threads. oneDNN fixes the thread count
     * when it creates primitives, so a count other than the model's compiles its own networks on
     * the session's first run of each batch size (sharing the model's weights).
     *
     * @param threadCount OpenMP threads per run
     * @return the session, to be closed by the caller (or by {@link #close()})
     * @throws IllegalArgumentException unless {@code 1 <= threadCount <= }{@link #maxThreads()}
     * @throws IllegalStateException if the model is closed
     */
    public Session newSession(int threadCount) {
        checkThreads(threadCount);
        return new Session(this, new SessionState(state, threadCount, config.maxBatchSize()));
    }

    /**
     * The largest thread count a session may use: the processors this JVM may use
     * ({@link Runtime#availableProcessors()}, which honours container CPU limits). oneDNN gains
     * nothing from more threads than cores, and an OpenMP runtime refused a thread by the system
     * ends the process, so larger counts are refused up front.
     *
     * @return the number of processors available to this JVM
     */
    public static int maxThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    static void checkThreads(int threadCount) {
        if (threadCount < 1 || threadCount > maxThreads()) {
            throw new IllegalArgumentException("threads must be in 1.." + maxThreads()
                    + " (the processors available to this JVM), got " + threadCount);
        }
    }

    ModelState state() {
        return state;
    }

    /**
     * The architecture and input format.
     *
     * @return this model's configuration
     */
    public ModelConfig config() {
        return config;
    }

    /**
     * The number format the model computes in.
     *
     * @return the precision it was built with
     */
    public Precision precision() {
        return precision;
    }

    /**
     * OpenMP threads of sessions opened with {@link #newSession()}.
     *
     * @return the model's default thread count
     */
    public int threads() {
        return threads;
    }

    /**
     * Class names: from the weights file's metadata, else ImageNet's for 1000 classes, else "class i".
     *
     * @return one label per logit
     */
    public Labels labels() {
        return labels;
    }

    /**
     * How images become this model's input: from the weights file's metadata, else torchvision's
     * ImageNet evaluation transform scaled to the model's resolution.
     *
     * @return the transform from a decoded image to this model's input
     * @throws UnsupportedOperationException for a model whose input is not a 1- or 3-channel image
     */
    public ImageTransform preprocessing() {
        if (preprocessing == null) {
            throw new UnsupportedOperationException("a model with " + config.inChannels()
                    + " input channels has no image preprocessing; pass it float tensors");
        }
        return preprocessing;
    }

    /**
     * One image as this model's input: {@link #preprocessing()} applied in the model's input
     * layout, {@link ModelConfig#imageSize()} floats.
     *
     * @param image a decoded RGB or grayscale image of any size
     * @return a new array holding the model's input for it
     * @throws IllegalArgumentException if the image's colour model is unsupported (e.g. CMYK)
     * @throws UnsupportedOperationException if the model has no image preprocessing
     */
    public float[] preprocess(BufferedImage image) {
        return preprocessing().apply(Objects.requireNonNull(image, "image"), config.inputLayout());
    }

    /**
     * The per-layer table with parameter and multiply-add counts, for one image.
     *
     * @return the summary of this model's configuration
     */
    public Summary summary() {
        return Summary.of(config);
    }

    /**
     * The primitives of the batch-1 network at the model's thread count and the implementations
     * oneDNN chose for them on this CPU (e.g. {@code brgconv_1x1:avx512_core}, or {@code gemm:ref}
     * where it has only a reference kernel).
     *
     * @return one entry per primitive, in execution order
     * @throws IllegalStateException if the model is closed
     */
    public List<Kernel> kernels() {
        Network network = state.network(1, threads);
        return network.primitives().stream()
                .map(p -> new Kernel(p.label(), p.operation(), p.implementation(), p.reorder())).toList();
    }

    /**
     * Native bytes held for the weights, in every layout in use.
     *
     * @return the bytes, 0 once the model is closed
     */
    public long parameterBytes() {
        return state.parameterBytes();
    }

    /**
     * Sessions opened and not yet closed.
     *
     * @return the number of open sessions
     */
    public int openSessions() {
        return state.openSessions();
    }

    /**
     * Whether {@link #close()} has been called (or the cleaner freed the model).
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return state.isClosed();
    }

    /**
     * Closes every open session, waiting for any run in progress to finish, then frees the
     * networks, weights and engine. A second call does nothing; a concurrent call returns once
     * everything is freed.
     */
    @Override
    public void close() {
        state.close("");
        cleanable.clean();
    }

    /**
     * A description such as {@code MobileNetV1 α 1.0 224x224 (1000 classes, FP32)}.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return state.description();
    }

    /**
     * Configures a {@link MobileNetV1}. Settings left unset come from the weights file's metadata
     * or tensors where there is a file, else from the paper's defaults.
     */
    public static final class Builder {
        private Double widthMultiplier;
        private Integer resolution;
        private Integer classes;
        private Integer inChannels;
        private Activation activation;
        private Double batchNormEpsilon;
        private PixelLayout inputLayout = PixelLayout.CHW;
        private int maxBatchSize = 1;
        private int threads;
        private Precision precision;
        private Calibration calibration;
        private long seed = 42;

        private Builder() {
        }

        /**
         * The paper's α: every layer has {@code (int) (channels * α)} channels. Default 1.0.
         *
         * @param alpha in (0, {@value ModelConfig#MAX_WIDTH_MULTIPLIER}], at least 1/32
         * @return this builder
         */
        public Builder widthMultiplier(double alpha) {
            widthMultiplier = alpha;
            return this;
        }

        /**
         * Input height and width in pixels. Default: the file's metadata, else 224.
         *
         * @param pixels in 1..{@value ModelConfig#MAX_RESOLUTION}
         * @return this builder
         */
        public Builder resolution(int pixels) {
            resolution = pixels;
            return this;
        }

        /**
         * Outputs of the classifier. Default: from the weights, else 1000.
         *
         * @param count in 1..{@value ModelConfig#MAX_CLASSES}
         * @return this builder
         */
        public Builder classes(int count) {
            classes = count;
            return this;
        }

        /**
         * Image channels: 3 for RGB, 1 for grayscale. Default: from the weights, else 3.
         *
         * @param count in 1..{@value ModelConfig#MAX_IN_CHANNELS}
         * @return this builder
         */
        public Builder inChannels(int count) {
            inChannels = count;
            return this;
        }

        /**
         * The activation after every convolution. Default: the file's metadata, else ReLU6 for timm's
         * tensor names, else ReLU.
         *
         * @param a the activation
         * @return this builder
         */
        public Builder activation(Activation a) {
            activation = Objects.requireNonNull(a, "activation");
            return this;
        }

        /**
         * BatchNorm ε. Default: the file's metadata, else 1e-5 (PyTorch; TensorFlow uses 1e-3).
         *
         * @param eps in [0, 1]
         * @return this builder
         */
        public Builder batchNormEpsilon(double eps) {
            batchNormEpsilon = eps;
            return this;
        }

        /**
         * How callers lay out each input image. Default {@link PixelLayout#CHW}, as PyTorch.
         *
         * @param layout CHW or HWC
         * @return this builder
         */
        public Builder inputLayout(PixelLayout layout) {
            inputLayout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /**
         * The largest batch a session accepts. Default 1.
         *
         * @param size in 1..{@value ModelConfig#MAX_BATCH_SIZE}, within the activation memory limit
         * @return this builder
         */
        public Builder maxBatchSize(int size) {
            maxBatchSize = size;
            return this;
        }

        /**
         * OpenMP threads per inference for {@link MobileNetV1#newSession()}, at most
         * {@link MobileNetV1#maxThreads()}. Default: the building thread's OpenMP setting
         * ({@code OMP_NUM_THREADS}, else the processors available), capped likewise.
         *
         * @param count in 1..{@link MobileNetV1#maxThreads()}
         * @return this builder
         * @throws IllegalArgumentException if {@code count} is out of that range
         */
        public Builder threads(int count) {
            checkThreads(count);
            threads = count;
            return this;
        }

        /**
         * The number format to compute in. Default: INT8 for a quantized file, else
         * {@link Precision#FP32}. INT8 from float weights needs a {@link #calibration}.
         *
         * @param p the precision
         * @return this builder
         */
        public Builder precision(Precision p) {
            precision = Objects.requireNonNull(p, "precision");
            return this;
        }

        /**
         * The data an {@link Precision#INT8} model built from float weights is calibrated on (a
         * quantized file needs none). The float model runs over it once to find every activation's
         * range; then the weights are quantized per output channel.
         *
         * @param data the calibration data
         * @return this builder
         */
        public Builder calibration(Calibration data) {
            calibration = Objects.requireNonNull(data, "calibration");
            return this;
        }

        /**
         * The seed of {@link #build()}'s random weights. Default 42.
         *
         * @param randomSeed any value; the same seed gives the same weights on every JVM
         * @return this builder
         */
        public Builder seed(long randomSeed) {
            seed = randomSeed;
            return this;
        }

        /**
         * The configuration these settings give when there is no weights file.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming a setting out of its range
         */
        public ModelConfig config() {
            return new ModelConfig(widthMultiplier == null ? 1.0 : widthMultiplier, resolution == null ? 224 : resolution,
                    classes == null ? 1000 : classes, inChannels == null ? 3 : inChannels,
                    activation == null ? Activation.RELU : activation, batchNormEpsilon == null ? 1e-5 : batchNormEpsilon,
                    inputLayout, maxBatchSize);
        }

        /**
         * A model with seeded random weights (He-initialised, realistic BatchNorm statistics): for
         * benchmarks, tests and demos; its predictions mean nothing.
         *
         * @return the model, to be closed by the caller
         * @throws IllegalArgumentException naming a setting out of its range
         * @throws UnsupportedOperationException if this CPU cannot run the precision
         */
        public MobileNetV1 build() {
            ModelConfig config = config();
            Weights weights = Weights.random(config, seed);
            return create(config, weights, Naming.REFERENCE, Metadata.defaultLabels(config.classes()),
                    Metadata.defaultPreprocessing(config), Map.of());
        }

        /**
         * A model from a safetensors weights file: a state_dict of the reference PyTorch
         * MobileNetV1 or of timm's {@code mobilenetv1_100} (names detected), in F32, F16, BF16 or
         * F64. Settings come, in order, from this builder, from the file's metadata (see
         * {@code train/README.md}), from the tensors' shapes (α, classes and input channels), and
         * from the defaults. Every tensor is checked against the model before any is loaded; the
         * error lists every missing, unexpected, mis-shaped and non-float tensor, and a NaN or
         * infinite weight is refused, naming the tensor and index.
         *
         * @param file a safetensors state_dict
         * @return the model, to be closed by the caller
         * @throws IOException if the file cannot be read or is not a valid safetensors file
         * @throws IllegalArgumentException if the file does not fit the model, naming what does not
         */
        public MobileNetV1 load(Path file) throws IOException {
            Objects.requireNonNull(file, "file");
            return load(file, file.toString());
        }

        /** As {@link #load(Path)}, naming the file {@code source} in messages and metadata. */
        private MobileNetV1 load(Path file, String source) throws IOException {
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                return from(StateDict.of(st, source));
            }
        }

        /**
         * The bundled MobileNetV1 this project trained on Fashion-MNIST (see train/README.md), with
         * this builder's run settings ({@link #threads}, {@link #maxBatchSize}, {@link #precision}).
         * At {@link Precision#INT8} without a {@link #calibration}, its bundled quantized version
         * (calibrated on the first 500 Fashion-MNIST training images).
         *
         * @return the model, to be closed by the caller
         * @throws java.io.UncheckedIOException if the bundled file cannot be copied out of the jar
         */
        public MobileNetV1 fashionMnist() {
            String resource = precision == Precision.INT8 && calibration == null ? FASHION_MNIST_INT8_RESOURCE
                    : FASHION_MNIST_RESOURCE;
            // SafetensorsFile maps a file; a resource inside a jar has none, so it goes through a temporary copy.
            try {
                Path copy = Files.createTempFile("mobilenetj-fashion-mnist", ".safetensors");
                try {
                    try (InputStream in = MobileNetV1.class.getResourceAsStream(resource)) {
                        if (in == null) {
                            throw new IllegalStateException("the bundled model " + resource
                                    + " is missing from the class path");
                        }
                        Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                    }
                    return load(copy, "the bundled model " + resource.substring(resource.lastIndexOf('/') + 1));
                } finally {
                    Files.deleteIfExists(copy);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not read the bundled Fashion-MNIST model: " + e.getMessage(), e);
            }
        }

        MobileNetV1 from(StateDict dict) {
            Metadata meta = Metadata.parse(dict.metadata(), dict.source());
            Naming naming = Naming.detect(dict.names());
            // α, classes and input channels: set, else metadata, else read off the tensors' shapes.
            long[] fc = dict.contains(naming.name("fc.weight")) ? dict.shape(naming.name("fc.weight")) : null;
            long[] stem = dict.contains(naming.name("model.0.0.weight")) ? dict.shape(naming.name("model.0.0.weight")) : null;
            double alpha = first(widthMultiplier, meta.widthMultiplier(),
                    fc != null && fc.length == 2 ? (Double) (fc[1] / (double) Architecture.FEATURES) : null, 1.0);
            int classCount = first(classes, meta.classes(),
                    fc != null && fc.length == 2 && fc[0] <= ModelConfig.MAX_CLASSES ? (Integer) (int) fc[0] : null, 1000);
            int channels = first(inChannels, meta.inChannels(),
                    stem != null && stem.length == 4 && stem[1] <= ModelConfig.MAX_IN_CHANNELS ? (Integer) (int) stem[1] : null, 3);
            ModelConfig config;
            try {
                config = new ModelConfig(alpha, first(resolution, meta.resolution(), null, 224), classCount, channels,
                        first(activation, meta.activation(), naming.activation(), Activation.RELU),
                        first(batchNormEpsilon, meta.batchNormEpsilon(), null, 1e-5), inputLayout, maxBatchSize);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(dict.source() + ": " + e.getMessage(), e);
            }
            Map<String, String> passThrough = new LinkedHashMap<>(dict.metadata());
            passThrough.putIfAbsent("source_weights", dict.source());
            if (QuantizedFile.isQuantized(dict.metadata())) {
                if (precision != null && precision != Precision.INT8) {
                    throw new IllegalArgumentException(dict.source() + " is a quantized (INT8) model; load it with"
                            + " Precision.INT8, or load the float file it was made from for " + precision);
                }
                Architecture architecture = Architecture.of(config);
                Quantization read = QuantizedFile.read(dict, architecture);
                int cpuMax = Math.min(read.weightMax(), Quantization.weightMaxForThisCpu());
                Quantization q = new Quantization(read.plan(), cpuMax, read.method(), read.samples(), read.description());
                Labels labels = meta.labels(config.classes());
                return new MobileNetV1(config, Precision.INT8, threads(), labels, meta.preprocessing(config),
                        store -> QuantizedFile.load(dict, architecture, read, store, cpuMax), q, passThrough);
            }
            // The classifier's shape is checked before labels are made for that many classes.
            ParameterLoader.check(dict, Architecture.of(config), naming);
            return create(config, dict, naming, meta.labels(config.classes()), meta.preprocessing(config), passThrough);
        }

        /** A float model, or an INT8 one calibrated from the float model of {@code dict}. */
        private MobileNetV1 create(ModelConfig config, StateDict dict, Naming naming, Labels labels,
                ImageTransform preprocessing, Map<String, String> passThrough) {
            Architecture architecture = Architecture.of(config);
            Consumer<ParameterStore> floats = store -> ParameterLoader.load(dict, architecture, naming, store);
            Precision p = precision == null ? Precision.FP32 : precision;
            if (p != Precision.INT8) {
                return new MobileNetV1(config, p, threads(), labels, preprocessing, floats, null, passThrough);
            }
            if (calibration == null) {
                throw new IllegalArgumentException("INT8 from float weights (" + dict.source() + ") needs calibration data:"
                        + " builder.calibration(Calibration.ofImages(...)), or load a quantized file (mobilenetj quantize)");
            }
            ModelConfig calibrationConfig = config.withMaxBatchSize(Math.min(Calibrator.BATCH, ModelConfig.MAX_BATCH_SIZE));
            try (MobileNetV1 float32 = new MobileNetV1(calibrationConfig, Precision.FP32, threads(), labels, preprocessing,
                    floats, null, passThrough)) {
                float[] ranges = Calibrator.ranges(float32, calibration);
                int weightMax = Quantization.weightMaxForThisCpu();
                Quantization q = new Quantization(Quantization.plan(architecture, Quantization.DEFAULT_MIX, ranges),
                        weightMax, calibration.method().metadataName(), calibration.size(), calibration.description());
                return new MobileNetV1(config, Precision.INT8, threads(), labels, preprocessing,
                        store -> float32.state.read(source -> QuantizedParameters.quantize(source, architecture, q, store)),
                        q, passThrough);
            }
        }

        private int threads() {
            return threads > 0 ? threads : Math.min(Dnnl.threads(), maxThreads());
        }

        @SafeVarargs
        private static <T> T first(T... candidates) {
            for (T c : candidates) {
                if (c != null) {
                    return c;
                }
            }
            throw new IllegalStateException("no default");
        }
    }
}
