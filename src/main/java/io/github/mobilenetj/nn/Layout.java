package io.github.mobilenetj.nn;

import io.github.mobilenetj.dnnl.FormatTag;

/** How callers lay out image tensors in memory. */
public enum Layout {
    /** Batch, channel, row, column: PyTorch's default. */
    NCHW(FormatTag.NCHW),
    /** Batch, row, column, channel: TensorFlow's default, "channels last". */
    NHWC(FormatTag.NHWC);

    private final FormatTag tag;

    Layout(FormatTag tag) {
        this.tag = tag;
    }

    public FormatTag formatTag() {
        return tag;
    }

    /** Offset of element (n, c, y, x) in a dense tensor of {@code shape} with this layout. */
    public long offset(Shape shape, int n, int c, int y, int x) {
        return switch (this) {
            case NCHW -> ((long) (n * shape.channels() + c) * shape.height() + y) * shape.width() + x;
            case NHWC -> (((long) n * shape.height() + y) * shape.width() + x) * shape.channels() + c;
        };
    }
}
