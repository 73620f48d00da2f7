package io.github.mobilenetj.serve;

import java.util.Objects;

/**
 * A snapshot of an {@link InferenceService}'s counters, for a metrics layer to export (the names
 * in brackets are Triton's metrics of the same meaning). Counters only grow; requests are calls
 * of {@code submit}, {@code run} or {@code classify}, each of one or more images.
 *
 * <p>Every request counted in {@code submitted} ends counted in at most one of {@code succeeded},
 * {@code timedOut}, {@code failed}, {@code closed} and {@code cancelled} ({@code closed} also counts
 * requests refused before they were queued). A request cancelled while its batch runs is counted in
 * none of them, nor is one cancelled while queued that no worker or deadline thread passed over
 * before a close emptied the queue. Histogram values are in nanoseconds, from
 * {@link System#nanoTime()}.
 *
 * @param submitted requests admitted to the queue (not counting those refused, nor those whose input
 *     was still being copied in when a close's grace period ended)
 * @param succeeded requests answered with logits ({@code nv_inference_request_success})
 * @param rejected requests refused because the queue was full ({@link QueueFullException})
 * @param timedOut requests whose deadline passed while queued ({@link DeadlineExceededException})
 * @param failed requests whose inference failed with an error
 * @param closed requests refused or failed because the service was closing or had failed to start
 *     ({@link ServiceClosedException})
 * @param cancelled requests whose future the caller completed or cancelled while they were queued,
 *     counted when a worker or the deadline thread passes over them
 * @param images images inferred in batches that succeeded ({@code nv_inference_count}), including
 *     those of requests cancelled while running
 * @param batches batches executed, failed ones included ({@code nv_inference_exec_count}); images /
 *     batches is the mean batch size as long as no batch failed
 * @param queued images waiting in the queue or being copied in now
 *     ({@code nv_inference_pending_request_count}, in images)
 * @param running images in the batches the workers run now (a worker that waits for its batch to
 *     fill holds images counted neither here nor in {@code queued})
 * @param batchSizes {@code batchSizes[n]}: batches of {@code n} images executed (index 0 unused)
 * @param queueTime per image run: from admission by {@code submit} until its batch started, any
 *     {@link InferenceService.Builder#maxQueueDelay queue delay} included
 * @param computeTime per batch, failed ones included: the inference itself, including copying
 *     inputs in and logits out
 * @param requestTime per successful request: from admission by {@code submit} until the end of the
 *     batch that ran its last image, just before its future completed
 */
public record ServiceStats(long submitted, long succeeded, long rejected, long timedOut, long failed, long closed,
        long cancelled, long images, long batches, int queued, int running, long[] batchSizes,
        LatencyHistogram queueTime, LatencyHistogram computeTime, LatencyHistogram requestTime) {

    /**
     * Checks the components and copies {@code batchSizes}, so the caller keeps its array.
     *
     * @throws NullPointerException if {@code batchSizes} or one of the histograms is null
     */
    public ServiceStats {
        Objects.requireNonNull(batchSizes, "batchSizes");
        Objects.requireNonNull(queueTime, "queueTime");
        Objects.requireNonNull(computeTime, "computeTime");
        Objects.requireNonNull(requestTime, "requestTime");
        batchSizes = batchSizes.clone();
    }

    /**
     * A copy of the batch-size counts.
     *
     * @return a new array whose element {@code n} is the number of batches of {@code n} images
     *     executed; in the service's snapshots it has {@code maxBatch + 1} elements, element 0 zero
     */
    @Override
    public long[] batchSizes() {
        return batchSizes.clone();
    }

    /**
     * Images per executed batch on average (zero before the first batch).
     *
     * @return {@code images / batches}, zero when {@code batches} is zero; below the true mean
     *     batch size once a batch has failed, since {@code images} counts only successful batches
     *     (the exact mean is in {@link #batchSizes()})
     */
    public double meanBatchSize() {
        return batches == 0 ? 0 : images / (double) batches;
    }
}
