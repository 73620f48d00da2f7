package io.github.mobilenetj.nn;

import java.util.List;

/** Closes resources in reverse creation order, keeping the first failure and suppressing the rest. */
final class Closer {
    private Closer() {
    }

    /** Closes every resource, last first; rethrows the first failure after trying all of them. */
    static void closeAll(List<? extends AutoCloseable> resources) {
        closeAll(resources, null);
    }

    /** As {@link #closeAll(List)}; failures are added to {@code primary} when it is not null. */
    static void closeAll(List<? extends AutoCloseable> resources, Throwable primary) {
        RuntimeException failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            AutoCloseable r = resources.get(i);
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                if (primary != null) {
                    primary.addSuppressed(e);
                } else if (failure == null) {
                    failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
