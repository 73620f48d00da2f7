package io.github.mobilenetj.server;

import java.util.List;

/**
 * A parsed v2 inference request (the JSON part, with binary tensor data attached where the binary
 * extension carried it).
 *
 * @param id the request's {@code id}, echoed in the response; null if absent
 * @param timeoutMicros the {@code parameters.timeout} (microseconds, as in Triton), or 0 for the server default
 * @param binaryOutput {@code parameters.binary_data_output}: every output as binary data
 * @param inputs the input tensors
 * @param outputs the requested outputs; empty for all of them
 */
record InferRequest(String id, long timeoutMicros, boolean binaryOutput, List<Input> inputs, List<Output> outputs) {

    /**
     * One input tensor.
     *
     * @param name its name
     * @param datatype its v2 datatype, e.g. {@code FP32} or {@code BYTES}
     * @param shape its shape
     * @param binarySize {@code parameters.binary_data_size}, or -1 when the data is in the JSON
     * @param floats FP32 values from the JSON {@code data}, or null
     * @param strings BYTES elements from the JSON {@code data} (raw string bytes), or null
     */
    record Input(String name, String datatype, long[] shape, long binarySize, float[] floats, List<byte[]> strings) {
    }

    /**
     * One requested output.
     *
     * @param name its name
     * @param binary {@code parameters.binary_data}
     * @param classification {@code parameters.classification}: the top-k to return as {@code score:index:label}, or 0
     */
    record Output(String name, boolean binary, int classification) {
    }
}
