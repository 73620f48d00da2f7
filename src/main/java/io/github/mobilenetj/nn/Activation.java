package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.PostOps;

/** The activation fused after a convolution or fully connected layer. */
public enum Activation {
    NONE,
    /** max(x, 0), as in the reference PyTorch MobileNet. */
    RELU,
    /** min(max(x, 0), 6), as in TensorFlow/Keras MobileNets. */
    RELU6;

    /** Appends this activation to a post-op chain; returns false when there is nothing to fuse. */
    boolean appendTo(PostOps postOps) {
        switch (this) {
            case NONE -> {
                return false;
            }
            case RELU -> postOps.relu();
            case RELU6 -> postOps.clip(0f, 6f);
        }
        return true;
    }
}
