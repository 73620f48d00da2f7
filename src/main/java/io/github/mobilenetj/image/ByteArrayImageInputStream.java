package io.github.mobilenetj.image;

import java.io.IOException;
import java.util.Objects;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An {@link javax.imageio.stream.ImageInputStream} over a byte array that knows its length. ImageIO's
 * {@code MemoryCacheImageInputStream} copies the data into its cache and reports an unknown length (-1),
 * which switches off the plugins' own checks of declared sizes against the stream's end: found by
 * fuzzing, a 937-byte TIFF whose strip declares 512 MB was refused when read from a file ("Data segment
 * out of stream") but allocated 512 MB when decoded from memory.
 */
final class ByteArrayImageInputStream extends ImageInputStreamImpl {

    private final byte[] data;

    ByteArrayImageInputStream(byte[] data) {
        this.data = Objects.requireNonNull(data, "data");
    }

    @Override
    public int read() throws IOException {
        checkClosed();
        bitOffset = 0;
        return streamPos < data.length ? data[(int) streamPos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        checkClosed();
        Objects.checkFromIndexSize(off, len, b.length);
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        if (streamPos >= data.length) {
            return -1;
        }
        int n = (int) Math.min(len, data.length - streamPos);
        System.arraycopy(data, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return data.length;
    }
}
