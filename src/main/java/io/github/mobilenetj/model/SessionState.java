package io.github.mobilenetj.model;

import io.github.mobilenetj.nn.Execution;
import io.github.mobilenetj.nn.Network;
import io.github.mobilenetj.nn.Workspace;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything native a {@link Session} owns (a workspace and one execution per batch size used),
 * and its guard: a run holds the lock, so a close from another thread (the session's own, its
 * model's, or the cleaner's) waits for the run to end instead of freeing memory oneDNN is using.
 * Holds no reference to the {@code Session} object, so the cleaner can free a forgotten session.
 */
final class SessionState implements Runnable {

    private static final System.Logger LOG = System.getLogger(Session.class.getName());

    private final ModelState model;
    private final int threads;
    private final ReentrantLock lock = new ReentrantLock();
    private final Execution[] executions;
    private final Workspace workspace = new Workspace();
    private volatile String closedBecause;
    private boolean freed;

    SessionState(ModelState model, int threads, int maxBatchSize) {
        this.model = model;
        this.threads = threads;
        this.executions = new Execution[maxBatchSize + 1];
        try {
            model.register(this);
        } catch (RuntimeException e) {
            workspace.close();
            throw e;
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Starts a run: fails at once if the session is closed or another thread is running it.
     * Allocation-free when uncontended. Pair with {@link #exit()}.
     */
    void enter() {
        String closed = closedBecause;
        if (closed != null) {
            throw closedException(closed);
        }
        if (!lock.tryLock()) {
            closed = closedBecause;
            throw closed != null ? closedException(closed)
                    : new IllegalStateException("session is already running on another thread; use one session per"
                            + " thread (sessions are cheap), or an InferenceService for many callers");
        }
        closed = closedBecause;
        if (closed != null) {
            lock.unlock();
            throw closedException(closed);
        }
    }

    void exit() {
        lock.unlock();
    }

    private static IllegalStateException closedException(String because) {
        return new IllegalStateException("session is closed" + (because.isEmpty() ? "" : " (" + because + ")"));
    }

    /** The execution for {@code batch} images, created on the first run of that batch size. Call between enter and exit. */
    Execution execution(int batch) {
        Execution e = executions[batch];
        if (e == null) {
            Network network = model.network(batch, threads);
            e = new Execution(network, workspace);
            executions[batch] = e;
        }
        return e;
    }

    /** Native bytes of this session's buffers. */
    long workspaceBytes() {
        lock.lock();
        try {
            return freed ? 0 : workspace.byteSize();
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        return closedBecause != null;
    }

    /** Refuses new runs, waits for a running one to finish, frees the buffers. Idempotent. */
    void close(String because) {
        synchronized (this) {
            if (closedBecause == null) {
                closedBecause = because;
            }
        }
        lock.lock();
        try {
            if (freed) {
                return;
            }
            freed = true;
            RuntimeException failure = null;
            for (int i = 0; i < executions.length; i++) {
                if (executions[i] != null) {
                    try {
                        executions[i].close();
                    } catch (RuntimeException e) {
                        if (failure == null) {
                            failure = e;
                        } else {
                            failure.addSuppressed(e);
                        }
                    }
                    executions[i] = null;
                }
            }
            workspace.close();
            if (failure != null) {
                throw failure;
            }
        } finally {
            lock.unlock();
            model.unregister(this);
        }
    }

    /** The cleaner's action: the session became unreachable without being closed. */
    @Override
    public void run() {
        if (closedBecause == null) {
            LOG.log(System.Logger.Level.WARNING, "a session of " + model.description() + " (" + threads
                    + " thread(s)) was never closed; freeing its buffers now. Close sessions with try-with-resources"
                    + " or close().");
        }
        close("it was garbage-collected without being closed");
    }
}
