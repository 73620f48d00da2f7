package io.github.mobilenetj.serve;

import java.util.Objects;

/**
 * A snapshot of an {@link InferenceService}'s counters, for a metrics layer to export (the names
 * in brackets are Triton's metrics of the same meaning). Counters only grow; requests are calls
 * of {@code submit} or {@code run}, each of one or more images.
 *
 * @param submitted requests admitted to the queue
 * @param succeeded requests answered with logits ({@code nv_inference_request_success})
 * @param rejected requests refused because the queue was full ({@link QueueFullException})
 * @param timedOut requests whose deadline passed while queued ({@link DeadlineExceededException})
 * @param failed requests whose inference failed with an error
 * @param closed requests refused or failed because the service was closing ({@link ServiceClosedException})
 * @param cancelled requests whose future the caller completed or cancelled before they ran
 * @param images images inferred ({@code nv_inference_count})
 * @param batches batches executed ({@code nv_inference_exec_count}); images / batches is the mean batch size
 * @param queued images waiting in the queue now ({@code nv_inference_pending_request_count}, in images)
 * @param running images being inferred now
 * @param batchSizes {@code batchSizes[n]}: batches of {@code n} images executed (index 0 unused)
 * @param queueTime per image: from submission until a worker took it
 * @param computeTime per batch: the inference itself, including copying inputs in and logits out
 * @param requestTime per successful request: from submission until its future completed
 */
public record ServiceStats(long submitted, long succeeded, long rejected, long timedOut, long failed, long closed,
        long cancelled, long images, long batches, int queued, int running, long[] batchSizes,
        LatencyHistogram queueTime, LatencyHistogram computeTime, LatencyHistogram requestTime) {

    /** Checks the components. */
    public ServiceStats {
        Objects.requireNonNull(batchSizes, "batchSizes");
        Objects.requireNonNull(queueTime, "queueTime");
        Objects.requireNonNull(computeTime, "computeTime");
        Objects.requireNonNull(requestTime, "requestTime");
        batchSizes = batchSizes.clone();
    }

    /** A copy of the batch-size counts. */
    @Override
    public long[] batchSizes() {
        return batchSizes.clone();
    }

    /** Images per executed batch on average (zero before the first batch). */
    public double meanBatchSize() {
        return batches == 0 ? 0 : images / (double) batches;
    }
}
