package io.github.mobilenetj.dnnl;

import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_status2str;
import static io.github.mobilenetj.dnnl.ffi.DnnlNative.dnnl_success;

/** Turns {@code dnnl_status_t} results into {@link DnnlException}s. */
final class Status {
    private Status() {
    }

    static void check(int status, String function) {
        if (status != dnnl_success()) {
            throw failure(status, function, null);
        }
    }

    static void check(int status, String function, String context) {
        if (status != dnnl_success()) {
            throw failure(status, function, context);
        }
    }

    static DnnlException failure(int status, String function, String context) {
        return new DnnlException(function, status, name(status), context);
    }

    static String name(int status) {
        // dnnl_status2str prints "success", "unimplemented", ...; the enum constants carry a dnnl_ prefix.
        String text = NativeStrings.read(dnnl_status2str(status));
        return text == null ? "unknown status" : "dnnl_" + text;
    }
}
