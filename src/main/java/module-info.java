/**
 * MobileNetV1 (Howard et al. 2017) inference on the CPU through oneDNN, called with the Foreign
 * Function &amp; Memory API.
 *
 * <p>Three packages make the API:
 * <ul>
 *   <li>{@link io.github.mobilenetj.model}: the model ({@link io.github.mobilenetj.model.MobileNetV1}),
 *       the sessions that run it ({@link io.github.mobilenetj.model.Session}), its configuration,
 *       summary and evaluation;
 *   <li>{@link io.github.mobilenetj.image}: decoding images, preprocessing them exactly as
 *       torchvision does, labels and top-k predictions;
 *   <li>{@link io.github.mobilenetj.serve}: a model behind a bounded queue for many concurrent
 *       callers ({@link io.github.mobilenetj.serve.InferenceService}): worker threads with their own
 *       sessions, micro-batching, deadlines, statistics and a graceful close.
 * </ul>
 * Everything else (the oneDNN bindings and their wrappers, the layer compiler, file formats, the
 * command line) is internal and may change without notice.
 *
 * <p>The library calls native code: run with {@code --enable-native-access=io.github.mobilenetj}
 * (or {@code ALL-UNNAMED} on the class path). Its natives come from the
 * {@code org.bytedeco:dnnl:3.13-1.5.14:<platform>} jars, which hold resources only and must stay
 * on the class path (all five share one automatic module name, so they cannot be modules).
 */
module io.github.mobilenetj {
    requires transitive java.desktop;

    exports io.github.mobilenetj.model;
    exports io.github.mobilenetj.image;
    exports io.github.mobilenetj.serve;
}
