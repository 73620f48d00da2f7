/**
 * File formats read and written by mobilenetj: safetensors (weights) and IDX (MNIST-style data sets).
 *
 * <p>Everything here depends on the JDK alone. Readers treat their input as untrusted: a malformed or
 * hostile file is rejected with an {@link java.io.IOException} naming the file and the problem, and no
 * size read from a file is trusted before it has been checked against the file's actual length.
 */
package io.github.mobilenetj.io;
