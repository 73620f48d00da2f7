/**
 * MobileNetV1 inference: the model, the sessions that run it, and what describes them.
 *
 * <p>A {@link io.github.mobilenetj.model.MobileNetV1} is built once (from a weights file, the
 * bundled Fashion-MNIST model, or seeded random weights) and shared by every thread; each thread
 * runs it through its own {@link io.github.mobilenetj.model.Session}:
 *
 * {@snippet class=io.github.mobilenetj.examples.Snippets region=classify}
 *
 * <p>The same in steps, with the input tensor in between:
 *
 * {@snippet class=io.github.mobilenetj.examples.Snippets region=steps}
 *
 * <p>Batches run zero-copy on native memory of a confined arena:
 *
 * {@snippet class=io.github.mobilenetj.examples.Snippets region=batch}
 *
 * <p>A server shares one model between its request threads, sizes threads to the CPUs, and shuts
 * down by closing the model, which closes the sessions its threads opened:
 *
 * {@snippet class=io.github.mobilenetj.examples.Snippets region=server}
 *
 * <p>Errors: settings out of range and weights that do not fit the model throw
 * {@link java.lang.IllegalArgumentException} naming every problem; unreadable or malformed files
 * throw {@link java.io.IOException} naming the file; using a closed model or session throws
 * {@link java.lang.IllegalStateException}; a precision the CPU cannot run throws
 * {@link java.lang.UnsupportedOperationException} naming the missing instruction set.
 */
package io.github.mobilenetj.model;
