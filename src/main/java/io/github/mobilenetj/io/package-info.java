/**
 * File formats read and written by mobilenetj: safetensors (weights) and IDX (MNIST-style data sets).
 *
 * <p>Everything here depends on the JDK alone. Readers treat their input as untrusted: a malformed or
 * hostile file is rejected with an {@link java.io.IOException} naming the file and the problem, and no
 * size read from a file is trusted before it has been checked against the file's actual length or an
 * explicit limit. What a file can make a reader allocate is bounded: a safetensors header by its caps on
 * tensors, metadata entries and rank (see {@link io.github.mobilenetj.io.SafetensorsFile}), an IDX file by
 * the byte limit of {@link io.github.mobilenetj.io.IdxFile#read(java.nio.file.Path, int, long)}. Error
 * messages quote at most a few names, each cut to a hundred-odd characters. A path that is not a regular
 * file (a directory, FIFO or device) is refused before it is opened, with a
 * {@link io.github.mobilenetj.io.NotRegularFileException}.
 */
package io.github.mobilenetj.io;
