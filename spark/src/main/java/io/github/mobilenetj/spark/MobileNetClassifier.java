package io.github.mobilenetj.spark;

import io.github.mobilenetj.model.ModelConfig;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;

/**
 * A Spark ML {@link Transformer} that classifies images with a mobilenetj MobileNetV1 and appends
 * its predictions: the top label ({@code label}, string), its class index ({@code classIndex},
 * int) and softmax probability ({@code probability}, float), the {@code topK} most probable classes
 * (array of struct {@code classIndex, label, probability}, most probable first), and an
 * {@code error} (string) that is null unless the row's input could not be used, in which case the
 * prediction columns are null. A bad row never fails the job.
 *
 * <p><b>Input</b> ({@link #inputCol()}, default {@code content}): either encoded image files
 * (binary: PNG, JPEG, BMP, GIF, TIFF, e.g. the {@code content} column of Spark's {@code binaryFile}
 * source), decoded and preprocessed with the model's own preprocessing; or the model's input tensor
 * ({@code array<float>} or {@code array<double>}, channels x height x width values in the model's
 * input layout, already preprocessed).
 *
 * <p><b>One model per executor.</b> The model is loaded once per executor JVM, by the first task
 * that needs it, from {@link #weights()} (a path every executor can read, or the name of a file
 * shipped with {@code --files} / {@code SparkContext.addFile}; empty: the bundled Fashion-MNIST
 * model), and shared by all tasks of the executor; each running task borrows its own session.
 * Each partition is classified in batches of {@link #batchSize()}; each task's session runs on
 * {@link #threadsPerTask()} OpenMP threads (default: {@code spark.task.cpus}, so that task slots
 * x threads never exceed the executor's cores). Add {@link MobileNetPlugin} to {@code spark.plugins}
 * to free the models' native memory when an executor stops.
 *
 * <p>Like every transformer, the result is lazy: each action on it classifies again, so write it
 * out (or cache it) once.
 */
public final class MobileNetClassifier extends Transformer implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> weights;
    private final Param<String> inputCol;
    private final Param<String> labelCol;
    private final Param<String> classIndexCol;
    private final Param<String> probabilityCol;
    private final Param<String> topKCol;
    private final Param<String> errorCol;
    private final IntParam topK;
    private final IntParam batchSize;
    private final IntParam threadsPerTask;
    private final Param<String> precision;
    /** Model loads (one entry per executor that loaded a model) of the last {@link #transform} on this driver. */
    private transient CollectionAccumulator<String> lastLoads;

    public MobileNetClassifier() {
        this(Identifiable.randomUID("mobilenetClassifier"));
    }

    /** With a given uid; Spark's {@code DefaultParamsReader} and {@code copy} use this constructor. */
    public MobileNetClassifier(String uid) {
        this.uid = uid;
        weights = new Param<>(this, "weights", "safetensors weights file: a path every executor can read, or the name"
                + " of a file shipped with --files / SparkContext.addFile; empty for the bundled Fashion-MNIST model");
        inputCol = new Param<>(this, "inputCol", "input column: encoded image bytes (binary) or the model's input"
                + " tensor (array<float> or array<double>)");
        labelCol = new Param<>(this, "labelCol", "output column: the most probable class's label (string)");
        classIndexCol = new Param<>(this, "classIndexCol", "output column: the most probable class's index (int)");
        probabilityCol = new Param<>(this, "probabilityCol", "output column: its softmax probability (float)");
        topKCol = new Param<>(this, "topKCol", "output column: the topK most probable classes, most probable first"
                + " (array<struct<classIndex:int,label:string,probability:float>>)");
        errorCol = new Param<>(this, "errorCol", "output column: why the row's input could not be classified (string),"
                + " null when it was");
        topK = new IntParam(this, "topK", "how many classes the topK column lists (>= 1)", ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "images per inference call within a partition (1.."
                + ModelConfig.MAX_BATCH_SIZE + ")", ParamValidators.inRange(1, ModelConfig.MAX_BATCH_SIZE));
        threadsPerTask = new IntParam(this, "threadsPerTask", "OpenMP threads of each task's session; 0: spark.task.cpus",
                ParamValidators.gtEq(0));
        precision = new Param<>(this, "precision", "number format to compute in: fp32, bf16 or int8 (bf16 needs AVX512-BF16,"
                + " AMX or FEAT_BF16; int8 needs a quantized weights file, or takes the bundled model's INT8 version)", ParamValidators.inArray(new String[] {"fp32", "bf16", "int8"}));
        setDefault(weights, "");
        setDefault(inputCol, "content");
        setDefault(labelCol, "label");
        setDefault(classIndexCol, "classIndex");
        setDefault(probabilityCol, "probability");
        setDefault(topKCol, "topK");
        setDefault(errorCol, "error");
        setDefault(topK, 5);
        setDefault(batchSize, 32);
        setDefault(threadsPerTask, 0);
        setDefault(precision, "fp32");
    }

    /** For {@code MobileNetClassifier.load(path)} and pipelines (Spark calls a Java class's static {@code read}). */
    public static MLReader<MobileNetClassifier> read() {
        return new DefaultParamsReader<>();
    }

    /** Reads a classifier saved with {@code write().save(path)}. */
    public static MobileNetClassifier load(String path) {
        return read().load(path);
    }

    @Override
    public String uid() {
        return uid;
    }

    // The Params, found by Spark through these public no-argument methods.

    public Param<String> weights() {
        return weights;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    public Param<String> classIndexCol() {
        return classIndexCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public Param<String> topKCol() {
        return topKCol;
    }

    public Param<String> errorCol() {
        return errorCol;
    }

    public IntParam topK() {
        return topK;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam threadsPerTask() {
        return threadsPerTask;
    }

    public Param<String> precision() {
        return precision;
    }

    public String getWeights() {
        return $(weights);
    }

    public String getInputCol() {
        return $(inputCol);
    }

    public String getLabelCol() {
        return $(labelCol);
    }

    public String getClassIndexCol() {
        return $(classIndexCol);
    }

    public String getProbabilityCol() {
        return $(probabilityCol);
    }

    public String getTopKCol() {
        return $(topKCol);
    }

    public String getErrorCol() {
        return $(errorCol);
    }

    public int getTopK() {
        return (Integer) $(topK);
    }

    public int getBatchSize() {
        return (Integer) $(batchSize);
    }

    public int getThreadsPerTask() {
        return (Integer) $(threadsPerTask);
    }

    public String getPrecision() {
        return $(precision);
    }

    public MobileNetClassifier setWeights(String value) {
        return put(weights, value);
    }

    public MobileNetClassifier setInputCol(String value) {
        return put(inputCol, value);
    }

    public MobileNetClassifier setLabelCol(String value) {
        return put(labelCol, value);
    }

    public MobileNetClassifier setClassIndexCol(String value) {
        return put(classIndexCol, value);
    }

    public MobileNetClassifier setProbabilityCol(String value) {
        return put(probabilityCol, value);
    }

    public MobileNetClassifier setTopKCol(String value) {
        return put(topKCol, value);
    }

    public MobileNetClassifier setErrorCol(String value) {
        return put(errorCol, value);
    }

    public MobileNetClassifier setTopK(int value) {
        return put(topK, value);
    }

    public MobileNetClassifier setBatchSize(int value) {
        return put(batchSize, value);
    }

    public MobileNetClassifier setThreadsPerTask(int value) {
        return put(threadsPerTask, value);
    }

    public MobileNetClassifier setPrecision(String value) {
        return put(precision, value);
    }

    private <T> MobileNetClassifier put(Param<T> param, T value) {
        set(param, value);
        return this;
    }

    /**
     * The model loads the last {@link #transform} caused, as "executor ID: model" entries: one per
     * executor that loaded the model for it (none where the model was already loaded). Complete once
     * an action on the transformed dataset has finished.
     */
    public List<String> modelLoads() {
        return lastLoads == null ? List.of() : List.copyOf(lastLoads.value());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        inputKind(schema);
        StructType out = schema;
        for (StructField field : outputFields()) {
            if (Arrays.asList(schema.fieldNames()).contains(field.name())) {
                throw new IllegalArgumentException("output column '" + field.name() + "' already exists in the input"
                        + " (columns: " + String.join(", ", schema.fieldNames()) + "); set another name");
            }
            out = out.add(field);
        }
        return out;
    }

    /** The prediction columns, in the order they are appended. */
    private List<StructField> outputFields() {
        StructType prediction = new StructType()
                .add("classIndex", DataTypes.IntegerType, false)
                .add("label", DataTypes.StringType, false)
                .add("probability", DataTypes.FloatType, false);
        return List.of(
                DataTypes.createStructField(getLabelCol(), DataTypes.StringType, true),
                DataTypes.createStructField(getClassIndexCol(), DataTypes.IntegerType, true),
                DataTypes.createStructField(getProbabilityCol(), DataTypes.FloatType, true),
                DataTypes.createStructField(getTopKCol(), DataTypes.createArrayType(prediction, false), true),
                DataTypes.createStructField(getErrorCol(), DataTypes.StringType, true));
    }

    private ClassifyPartition.InputKind inputKind(StructType schema) {
        String name = getInputCol();
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("input column '" + name + "' does not exist (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        DataType type = schema.apply(name).dataType();
        if (type instanceof BinaryType) {
            return ClassifyPartition.InputKind.ENCODED;
        }
        if (type instanceof ArrayType array && array.elementType() instanceof FloatType) {
            return ClassifyPartition.InputKind.FLOAT_TENSOR;
        }
        if (type instanceof ArrayType array && array.elementType() instanceof DoubleType) {
            return ClassifyPartition.InputKind.DOUBLE_TENSOR;
        }
        throw new IllegalArgumentException("input column '" + name + "' has type " + type.simpleString()
                + "; expected binary (encoded images), array<float> or array<double> (input tensors)");
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType schema = dataset.schema();
        StructType out = transformSchema(schema);
        SparkContext sc = dataset.sparkSession().sparkContext();
        CollectionAccumulator<String> loads = sc.collectionAccumulator("mobilenetj model loads");
        lastLoads = loads;
        ClassifyPartition classify = new ClassifyPartition(getWeights(), getBatchSize(), getThreadsPerTask(),
                getPrecision(), schema.fieldIndex(getInputCol()), inputKind(schema), getTopK(), loads);
        return dataset.toDF().mapPartitions(classify, Encoders.row(out));
    }

    @Override
    public MobileNetClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public String toString() {
        return "MobileNetClassifier: uid=" + uid + ", weights=" + (getWeights().isEmpty() ? "(bundled)" : getWeights())
                + ", inputCol=" + getInputCol() + ", topK=" + getTopK() + ", batchSize=" + getBatchSize();
    }
}
