package io.github.mobilenetj.model;

/** The activation after every convolution of MobileNetV1. */
public enum Activation {
    /** max(x, 0): the reference PyTorch MobileNetV1 and the paper. */
    RELU(Float.POSITIVE_INFINITY),
    /** min(max(x, 0), 6): TensorFlow/Keras MobileNets and timm's {@code mobilenetv1_100}. */
    RELU6(6f);

    private final float cap;

    Activation(float cap) {
        this.cap = cap;
    }

    /** The upper bound of the activation's output: +infinity for ReLU, 6 for ReLU6. */
    float cap() {
        return cap;
    }

    /** The name used in weights metadata: {@code relu} or {@code relu6}. */
    String metadataName() {
        return this == RELU ? "relu" : "relu6";
    }
}
