package io.github.mobilenetj.dnnl;

/**
 * A oneDNN C API call returned a status other than {@code dnnl_success}.
 *
 * <p>The message names the C function and the status, e.g.
 * {@code dnnl_convolution_forward_primitive_desc_create returned dnnl_unimplemented (3)},
 * followed by what the library was doing when it happened.
 */
public final class DnnlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final int status;
    private final String statusName;

    DnnlException(String function, int status, String statusName, String context) {
        super(function + " returned " + statusName + " (" + status + ")"
                + (context == null || context.isEmpty() ? "" : ": " + context));
        this.function = function;
        this.status = status;
        this.statusName = statusName;
    }

    /** The C function that failed, e.g. {@code dnnl_primitive_create}. */
    public String function() {
        return function;
    }

    /** The raw {@code dnnl_status_t} value. */
    public int status() {
        return status;
    }

    /** The status as oneDNN names it, e.g. {@code dnnl_unimplemented}. */
    public String statusName() {
        return statusName;
    }

    /** True when oneDNN has no implementation for the requested configuration. */
    public boolean isUnimplemented() {
        return status == 3;
    }
}
