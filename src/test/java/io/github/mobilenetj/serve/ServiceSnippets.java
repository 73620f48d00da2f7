package io.github.mobilenetj.serve;

import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.image.Predictions;
import io.github.mobilenetj.model.MobileNetV1;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The examples of the serve package's API documentation, compiled by the build and run by
 * {@code ServiceSnippetsTest}.
 */
public final class ServiceSnippets {

    private ServiceSnippets() {
    }

    /** A service over the bundled model: the top-3 labels of one image. */
    static List<Prediction> service(BufferedImage image) throws InterruptedException {
        // @start region=service
        try (MobileNetV1 model = MobileNetV1.builder().threads(1).fashionMnist();   // shared by every worker
             InferenceService service = InferenceService.builder(model)       // one 1-thread worker per CPU
                     .queueCapacity(64)                                        // beyond: QueueFullException
                     .timeout(Duration.ofSeconds(1))                           // queued longer: DeadlineExceededException
                     .build()) {
            service.awaitReady();                                              // every worker compiled and warmed up
            CompletableFuture<float[]> logits = service.submit(image, null);   // preprocessed here, then queued
            return Predictions.topK(logits.join(), 3, model.labels());
        } // the service closes first (finishing what is queued), then the model
        // @end
    }

    /** What a request handler answers for each way a request can end. */
    static int handler(InferenceService service, float[] input) throws InterruptedException {
        // @start region=handler
        try {
            float[] logits = service.submit(input, Duration.ofMillis(500)).get();
            return 200;                            // logits: classes floats per image
        } catch (QueueFullException e) {
            return 429;                            // not admitted: retry later
        } catch (ServiceClosedException e) {
            return 503;                            // closing (or failed to start)
        } catch (IllegalArgumentException e) {
            return 400;                            // input of the wrong size
        } catch (ExecutionException e) {
            return switch (e.getCause()) {
                case DeadlineExceededException d -> 504;    // still queued at its deadline: never ran
                case ServiceClosedException c -> 503;       // queued when a close's grace period ended
                default -> 500;                             // the inference itself failed
            };
        }
        // @end
    }
}
