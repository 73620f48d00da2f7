package io.github.mobilenetj.image;

/**
 * Where torchvision's {@code CenterCrop} places its window on an image: output pixel {@code (x, y)}
 * shows image pixel {@code (x + originX, y + originY)}, or zero where that falls outside the image
 * (torchvision pads an image smaller than the crop with zeros before cropping).
 */
record CenterCrop(int originX, int originY, int width, int height) {

    static CenterCrop of(int imageWidth, int imageHeight, int cropWidth, int cropHeight) {
        return new CenterCrop(origin(imageWidth, cropWidth), origin(imageHeight, cropHeight), cropWidth, cropHeight);
    }

    private static int origin(int size, int crop) {
        if (crop > size) {
            // Padding: torchvision puts (crop - size) / 2 zeros first and the odd one last.
            return -((crop - size) / 2);
        }
        // torchvision: int(round((size - crop) / 2.0)); Python rounds halves to even, as rint does.
        return (int) Math.rint((size - crop) / 2.0);
    }

    /** First image column inside the window. */
    int visibleX0() {
        return Math.max(0, originX);
    }

    /** First image row inside the window. */
    int visibleY0() {
        return Math.max(0, originY);
    }

    /** Number of image columns inside the window. */
    int visibleWidth(int imageWidth) {
        return Math.min(imageWidth, originX + width) - visibleX0();
    }

    /** Number of image rows inside the window. */
    int visibleHeight(int imageHeight) {
        return Math.min(imageHeight, originY + height) - visibleY0();
    }
}
