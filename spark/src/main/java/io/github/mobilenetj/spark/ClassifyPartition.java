package io.github.mobilenetj.spark;

import io.github.mobilenetj.image.ImageFiles;
import io.github.mobilenetj.image.Labels;
import io.github.mobilenetj.image.Prediction;
import io.github.mobilenetj.image.Predictions;
import io.github.mobilenetj.model.MobileNetV1;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.Serial;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Classifies one partition: borrows a worker of the executor's model for the task, cuts the rows
 * into batches of the model's batch size, and appends label, class index, probability, top-k and
 * error to every row. A row whose input cannot be used (undecodable image, tensor of the wrong
 * size, null) gets its error and nulls; it never fails the task.
 */
final class ClassifyPartition implements MapPartitionsFunction<Row, Row> {

    @Serial
    private static final long serialVersionUID = 1L;

    /** How the input column holds an image. */
    enum InputKind {
        /** Encoded image file bytes (PNG, JPEG, ...), e.g. the {@code content} column of Spark's {@code binaryFile} source. */
        ENCODED,
        /** array&lt;float&gt;: the model's input tensor, already preprocessed. */
        FLOAT_TENSOR,
        /** array&lt;double&gt;: the same, in doubles. */
        DOUBLE_TENSOR
    }

    private final String weights;
    private final int batchSize;
    private final int threadsPerTask;
    private final String precision;
    private final int inputIndex;
    private final InputKind kind;
    private final int topK;
    private final CollectionAccumulator<String> loads;

    ClassifyPartition(String weights, int batchSize, int threadsPerTask, String precision, int inputIndex, InputKind kind,
            int topK, CollectionAccumulator<String> loads) {
        this.weights = weights;
        this.batchSize = batchSize;
        this.threadsPerTask = threadsPerTask;
        this.precision = precision;
        this.inputIndex = inputIndex;
        this.kind = kind;
        this.topK = topK;
        this.loads = loads;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskContext task = TaskContext.get();
        // Spark gives each task spark.task.cpus cores (1 by default) and runs at most
        // executor cores / spark.task.cpus tasks at once: so many OpenMP threads per task keep
        // task slots x threads within the executor's cores.
        int threads = threadsPerTask > 0 ? threadsPerTask : task != null ? task.cpus() : 1;
        threads = Math.min(threads, MobileNetV1.maxThreads());
        ModelSpec spec = new ModelSpec(Weights.resolve(weights), batchSize, threads, precision);
        String executor = SparkEnv.get() != null ? SparkEnv.get().executorId() : "?";
        ExecutorModels.Worker worker = ExecutorModels.acquire(spec, description -> {
            if (loads != null) {
                loads.add("executor " + executor + ": " + description);
            }
        });
        BatchIterator batches = new BatchIterator(rows, worker);
        if (task != null) {
            // Also when the task fails or is killed, or its consumer stops early (limit).
            task.addTaskCompletionListener((TaskCompletionListener) context -> batches.release());
        }
        return batches;
    }

    /** Reads a batch of rows, classifies it, hands out its rows, reads the next. */
    private final class BatchIterator implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final ExecutorModels.Worker worker;
        private final MobileNetV1 model;
        private final Labels labels;
        private final int imageFloats;
        private final int classes;
        private final Row[] batch;
        private final String[] errors;
        /** Position of each row's tensor in the worker's input, or -1 for a row with an error. */
        private final int[] slot;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private boolean released;

        BatchIterator(Iterator<Row> rows, ExecutorModels.Worker worker) {
            this.rows = rows;
            this.worker = worker;
            this.model = worker.model;
            this.labels = model.labels();
            this.imageFloats = model.config().imageSize();
            this.classes = model.config().classes();
            int size = model.config().maxBatchSize();
            this.batch = new Row[size];
            this.errors = new String[size];
            this.slot = new int[size];
        }

        @Override
        public boolean hasNext() {
            if (!ready.isEmpty()) {
                return true;
            }
            if (rows.hasNext()) {
                return true;
            }
            release(); // the partition is done: the next task may use the worker at once
            return false;
        }

        @Override
        public Row next() {
            if (ready.isEmpty()) {
                if (!rows.hasNext()) {
                    throw new NoSuchElementException();
                }
                classifyNextBatch();
            }
            return ready.removeFirst();
        }

        synchronized void release() {
            if (!released) {
                released = true;
                worker.release();
            }
        }

        private void classifyNextBatch() {
            if (released) {
                throw new IllegalStateException("the task has completed");
            }
            int n = 0;
            int images = 0;
            while (n < batch.length && rows.hasNext()) {
                Row row = rows.next();
                batch[n] = row;
                errors[n] = null;
                slot[n] = -1;
                try {
                    writeInput(row, images);
                    slot[n] = images++;
                } catch (IOException | RuntimeException e) {
                    errors[n] = message(e);
                }
                n++;
            }
            if (images > 0) {
                long inBytes = (long) images * imageFloats * Float.BYTES;
                long outBytes = (long) images * classes * Float.BYTES;
                worker.session.run(MemorySegment.ofArray(worker.input).asSlice(0, inBytes),
                        MemorySegment.ofArray(worker.logits).asSlice(0, outBytes));
            }
            for (int i = 0; i < n; i++) {
                ready.addLast(output(batch[i], slot[i], errors[i]));
                batch[i] = null;
            }
        }

        /** Decodes and preprocesses (or copies) the row's input into image position {@code position} of the batch. */
        private void writeInput(Row row, int position) throws IOException {
            if (row.isNullAt(inputIndex)) {
                throw new IllegalArgumentException("the input column is null");
            }
            int offset = position * imageFloats;
            switch (kind) {
                case ENCODED -> {
                    BufferedImage image = ImageFiles.decode((byte[]) row.get(inputIndex));
                    model.preprocessing().apply(image, model.config().inputLayout(), worker.input, offset);
                }
                case FLOAT_TENSOR, DOUBLE_TENSOR -> copyTensor(row.get(inputIndex), worker.input, offset);
            }
        }

        /**
         * Copies a tensor into {@code dst[offset ..]}. A row of a DataFrame holds an array column as a Scala
         * {@code Seq}; a row made by user code and passed on without re-encoding may hold a Java array or list.
         */
        private void copyTensor(Object value, float[] dst, int offset) {
            int size;
            if (value instanceof float[] a) {
                size = checkSize(a.length);
                System.arraycopy(a, 0, dst, offset, size);
            } else if (value instanceof double[] a) {
                size = checkSize(a.length);
                for (int i = 0; i < size; i++) {
                    dst[offset + i] = (float) a[i];
                }
            } else {
                Iterable<?> values;
                if (value instanceof scala.collection.Seq<?> seq) {
                    size = checkSize(seq.length());
                    values = scala.jdk.javaapi.CollectionConverters.asJava(seq);
                } else if (value instanceof Object[] a) {
                    size = checkSize(a.length);
                    values = java.util.Arrays.asList(a);
                } else if (value instanceof List<?> list) {
                    size = checkSize(list.size());
                    values = list;
                } else {
                    throw new IllegalArgumentException("the input tensor is a " + value.getClass().getName()
                            + "; expected an array of floats");
                }
                int i = 0;
                for (Object v : values) {
                    if (v == null) {
                        throw new IllegalArgumentException("the input tensor has a null at index " + i);
                    }
                    dst[offset + i++] = ((Number) v).floatValue();
                }
            }
            for (int i = 0; i < size; i++) {
                if (!Float.isFinite(dst[offset + i])) {
                    throw new IllegalArgumentException("the input tensor has " + dst[offset + i] + " at index " + i);
                }
            }
        }

        private int checkSize(int size) {
            if (size != imageFloats) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "the input tensor has %d values; the model takes %d x %d x %d = %d (channels x height x width, %s)",
                        size, model.config().inChannels(), model.config().resolution(), model.config().resolution(),
                        imageFloats, model.config().inputLayout()));
            }
            return size;
        }

        private Row output(Row row, int position, String error) {
            int width = row.length();
            Object[] values = new Object[width + 5];
            for (int i = 0; i < width; i++) {
                values[i] = row.get(i);
            }
            if (error == null) {
                try {
                    List<Prediction> top = Predictions.topK(worker.logits, position * classes, classes, topK, labels);
                    Object[] structs = new Object[top.size()];
                    for (int k = 0; k < structs.length; k++) {
                        Prediction p = top.get(k);
                        structs[k] = RowFactory.create(p.classIndex(), p.label(), p.probability());
                    }
                    Prediction best = top.getFirst();
                    values[width] = best.label();
                    values[width + 1] = best.classIndex();
                    values[width + 2] = best.probability();
                    values[width + 3] = structs; // an array: what a Row holds for array<struct>
                    return RowFactory.create(values);
                } catch (IllegalArgumentException e) { // non-finite logits
                    error = message(e);
                }
            }
            values[width + 4] = Objects.requireNonNull(error);
            return RowFactory.create(values);
        }
    }

    /** The exception's own message when it has one (the library's name the problem); else its type. */
    static String message(Throwable e) {
        String m = e.getMessage();
        if (e instanceof IOException && m != null) {
            return m;
        }
        return m == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + m;
    }
}
