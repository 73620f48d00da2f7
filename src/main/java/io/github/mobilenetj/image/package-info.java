/**
 * Image input and classifier output for MobileNet-style models: decoding, preprocessing into float32
 * tensors, class labels and top-k predictions. Depends on the JDK only.
 *
 * <p>Preprocessing reproduces PyTorch pipelines bit for bit, so a model trained and evaluated in
 * PyTorch sees the same numbers here:
 * <ul>
 *   <li>{@link io.github.mobilenetj.image.ImageNetTransform}: torchvision's Resize + CenterCrop +
 *       ToTensor + Normalize, with Pillow's antialiased bilinear or bicubic resampling;
 *   <li>{@link io.github.mobilenetj.image.PadTransform}: zero-pads small images (e.g. Fashion-MNIST);
 *   <li>{@link io.github.mobilenetj.image.ResizeBilinearTransform}: PyTorch's
 *       {@code F.interpolate(mode='bilinear')}.
 * </ul>
 * All write into a caller-provided {@code float[]}, {@link java.nio.FloatBuffer} or
 * {@link java.lang.foreign.MemorySegment} in CHW or HWC {@link io.github.mobilenetj.image.PixelLayout}.
 * {@link io.github.mobilenetj.image.ImageFiles} decodes files with clear errors for corrupt, truncated
 * and unsupported (e.g. CMYK) images. Transforms, normalisations, labels and predictions are
 * immutable and thread-safe. The methods and factories of this package throw
 * {@link java.lang.NullPointerException} for a null argument.
 *
 * <p>With a model of {@link io.github.mobilenetj.model}, its own preprocessing and labels apply:
 *
 * {@snippet class=io.github.mobilenetj.examples.Snippets region=steps}
 *
 * {@snippet class=io.github.mobilenetj.examples.Snippets region=labels}
 */
package io.github.mobilenetj.image;
