package io.github.mobilenetj.examples;

import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.image.Labels;
import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.image.Predictions;
import io.github.mobilenetj.model.Calibration;
import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Precision;
import io.github.mobilenetj.model.Session;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The examples of the API documentation and the README, compiled by the build and run by
 * {@code ExamplesTest}: every {@code {@snippet}} of the exported packages and every Java block of
 * the README is a region of this file.
 */
public final class Snippets {

    private Snippets() {
    }

    /** Image file to top-5 labels with a model file. */
    static List<Prediction> classify(Path weights, Path imageFile) throws IOException {
        // @start region=classify
        try (MobileNetV1 model = MobileNetV1.load(weights);       // architecture, labels, preprocessing from the file
             Session session = model.newSession()) {              // one session per thread
            BufferedImage image = ImageFiles.read(imageFile);     // PNG/JPEG, size-checked before decoding
            List<Prediction> top5 = session.classify(image, 5);   // the model's own preprocessing, then softmax
            for (Prediction p : top5) {
                System.out.printf("%5.1f%%  %s%n", 100 * p.probability(), p.label());
            }
            return top5;
        }
        // @end
    }

    /** The same in three steps, with the tensor in between: image -> float[] -> logits -> labels. */
    static List<Prediction> steps(MobileNetV1 model, BufferedImage image) {
        try (Session session = model.newSession()) {
            // @start region=steps
            float[] input = model.preprocess(image);              // C x R x R floats in the model's input layout
            float[] logits = session.run(input);                  // one image: model.config().classes() logits
            List<Prediction> top = Predictions.topK(logits, 3, model.labels());
            // @end
            return top;
        }
    }

    /** A batch of images, zero-copy: native segments of a confined arena of the calling thread. */
    static float[] batch(Path weights, List<BufferedImage> images) throws IOException {
        // @start region=batch
        try (MobileNetV1 model = MobileNetV1.builder().maxBatchSize(8).load(weights);
             Session session = model.newSession();
             Arena arena = Arena.ofConfined()) {
            int n = images.size();                                 // 1..maxBatchSize images per run
            long imageBytes = (long) model.config().imageSize() * Float.BYTES;
            MemorySegment input = arena.allocate(n * imageBytes, 64);
            MemorySegment logits = arena.allocate((long) n * model.config().classes() * Float.BYTES, 64);
            for (int i = 0; i < n; i++) {
                model.preprocessing().apply(images.get(i), model.config().inputLayout(), input, i * imageBytes);
            }
            session.run(input, logits);                            // in place, nothing allocated on the heap
            // @end
            return logits.toArray(ValueLayout.JAVA_FLOAT);
        }
    }

    /** A server: one model, a fixed pool of request threads, a session per thread, threads sized to the CPUs. */
    static int server(List<BufferedImage> requests) throws Exception {
        // @start region=server
        int cpus = MobileNetV1.maxThreads();                      // Runtime.availableProcessors(): honours container limits
        int workers = cpus;                                       // K workers x 1 OpenMP thread each: K x T <= cpus
        try (MobileNetV1 model = MobileNetV1.builder().threads(1).fashionMnist();
             ExecutorService pool = Executors.newFixedThreadPool(workers)) {
            ThreadLocal<Session> session = ThreadLocal.withInitial(model::newSession);
            List<Future<Prediction>> answers = requests.stream()
                    .map(image -> pool.submit(() -> session.get().classify(image, 1).getFirst()))
                    .toList();
            int shirts = 0;
            for (Future<Prediction> answer : answers) {
                shirts += answer.get().label().equals("Shirt") ? 1 : 0;
            }
            return shirts;
        } // closing the model closes every session the pool opened, after any run in progress
        // @end
    }

    /** Reduced precision where the CPU has it. */
    static MobileNetV1 bf16() {
        // @start region=precision
        MobileNetV1 model = MobileNetV1.builder()
                .widthMultiplier(0.75).resolution(192).classes(1000)   // the paper's hyper-parameters
                .precision(Precision.BF16)                              // AVX512-BF16, AMX or FEAT_BF16 needed
                .build();                                               // seeded random weights: for benchmarks
        // @end
        return model;
    }

    /** Post-training INT8 quantization: calibrate on a few hundred images, save, load without them. */
    static List<Prediction> quantize(Path weights, List<BufferedImage> calibrationImages, Path out, BufferedImage image)
            throws IOException {
        // @start region=quantize
        Calibration calibration = Calibration.ofImages(calibrationImages)   // a few hundred typical inputs
                .method(Calibration.Method.MIN_MAX);                         // the default; PERCENTILE clips outliers
        try (MobileNetV1 int8 = MobileNetV1.builder()
                .precision(Precision.INT8).calibration(calibration)
                .load(weights)) {                                            // the float weights file
            int8.saveQuantized(out);                                         // s8 weights + scales + provenance
        }
        try (MobileNetV1 model = MobileNetV1.load(out);                      // INT8 by itself, no calibration data
             Session session = model.newSession()) {
            return session.classify(image, 1);
        }
        // @end
    }

    /** Labels and the ImageNet class list. */
    static String label(int index) {
        // @start region=labels
        Labels imageNet = Labels.imageNet();                     // torchvision's 1000 class names
        String name = imageNet.name(index);                      // e.g. 281 -> "tabby"
        // @end
        return name;
    }
}
