package io.github.mobilenetj.reference;

/** Protobuf field numbers of the ONNX messages the writers emit (from onnx/onnx.proto). */
public final class OnnxFields {
    private OnnxFields() {
    }

    // ModelProto
    public static final int MODEL_IR_VERSION = 1;
    public static final int MODEL_PRODUCER_NAME = 2;
    public static final int MODEL_PRODUCER_VERSION = 3;
    public static final int MODEL_GRAPH = 7;
    public static final int MODEL_OPSET_IMPORT = 8;
    // OperatorSetIdProto
    public static final int OPSET_DOMAIN = 1;
    public static final int OPSET_VERSION = 2;
    // GraphProto
    public static final int GRAPH_NODE = 1;
    public static final int GRAPH_NAME = 2;
    public static final int GRAPH_INITIALIZER = 5;
    public static final int GRAPH_INPUT = 11;
    public static final int GRAPH_OUTPUT = 12;
    // NodeProto
    public static final int NODE_INPUT = 1;
    public static final int NODE_OUTPUT = 2;
    public static final int NODE_NAME = 3;
    public static final int NODE_OP_TYPE = 4;
    public static final int NODE_ATTRIBUTE = 5;
    // TensorProto
    public static final int TENSOR_DIMS = 1;
    public static final int TENSOR_DATA_TYPE = 2;
    public static final int TENSOR_NAME = 8;
    public static final int TENSOR_RAW_DATA = 9;
    public static final int DATA_TYPE_FLOAT = 1;
    public static final int DATA_TYPE_UINT8 = 2;
    public static final int DATA_TYPE_INT8 = 3;
    public static final int DATA_TYPE_INT32 = 6;
    public static final int DATA_TYPE_BFLOAT16 = 16;
    // ValueInfoProto / TypeProto / TypeProto.Tensor / TensorShapeProto / Dimension
    public static final int VALUE_INFO_NAME = 1;
    public static final int VALUE_INFO_TYPE = 2;
    public static final int TYPE_TENSOR_TYPE = 1;
    public static final int TENSOR_TYPE_ELEM_TYPE = 1;
    public static final int TENSOR_TYPE_SHAPE = 2;
    public static final int SHAPE_DIM = 1;
    public static final int DIM_VALUE = 1;
    public static final int DIM_PARAM = 2;
}
