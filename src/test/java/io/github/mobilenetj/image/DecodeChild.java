package io.github.mobilenetj.image;

import java.nio.file.Path;

/** Child process of {@link ImageOutOfMemoryTest}: decodes one file and prints what happened on one line. */
public final class DecodeChild {

    private DecodeChild() {
    }

    public static void main(String[] args) {
        try {
            var image = ImageFiles.read(Path.of(args[0]), Long.parseLong(args[1]));
            System.out.println("DECODED " + image.getWidth() + "x" + image.getHeight());
        } catch (Throwable t) {
            System.out.println("THREW " + t.getClass().getName() + ": " + t.getMessage());
        }
    }
}
