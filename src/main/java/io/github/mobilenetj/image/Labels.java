package io.github.mobilenetj.image;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Class names of a classifier, by output index. Immutable and thread-safe. */
public final class Labels {
    private static final String IMAGENET_RESOURCE = "imagenet-classes.txt";
    private static final int IMAGENET_CLASSES = 1000;

    /** Largest label file {@link #read} accepts: 64 MiB (ImageNet-21k's names take 0.5 MB). */
    static final long MAX_FILE_BYTES = 64L << 20;

    private final List<String> names;

    private Labels(List<String> names) {
        this.names = names;
    }

    /**
     * The 1000 ImageNet-1k classes in the order of torchvision's classifiers (0 = "tench",
     * 999 = "toilet tissue"), from torchvision's category list (see this package's resources README).
     * Loaded from the jar on the first call; the same instance after.
     *
     * @return the 1000 ImageNet-1k labels
     */
    public static Labels imageNet() {
        return ImageNetHolder.LABELS;
    }

    /**
     * Labels from a list, index i naming output i. The list is copied; names are kept as given
     * (empty and duplicate names included).
     *
     * @param names one name per class, in output order
     * @return the labels
     * @throws IllegalArgumentException if the list is empty or contains null
     */
    public static Labels of(List<String> names) {
        Objects.requireNonNull(names, "names");
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a label list needs at least one name, got none");
        }
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i) == null) {
                throw new IllegalArgumentException("label " + i + " is null");
            }
        }
        return new Labels(List.copyOf(names));
    }

    /**
     * Labels "class 0", "class 1", ... for {@code count} classes, made on demand (a model with a
     * million classes and no names costs nothing here).
     *
     * @param count the number of classes
     * @return the labels, each made when it is asked for
     * @throws IllegalArgumentException if {@code count < 1}
     */
    public static Labels numbered(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a label list needs at least one name, got " + count);
        }
        return new Labels(new java.util.AbstractList<>() {
            @Override
            public String get(int index) {
                Objects.checkIndex(index, count);
                return "class " + index;
            }

            @Override
            public int size() {
                return count;
            }
        });
    }

    /**
     * Reads one label per line from a UTF-8 text file. Lines end with {@code \n}, {@code \r\n} or
     * {@code \r}; each line is kept as it is (spaces included), except that a byte order mark
     * before the first label is dropped and empty lines at the end are ignored.
     *
     * @param file the text file, line i naming output i
     * @return the labels
     * @throws IllegalArgumentException if the file has no labels or an empty line among them (the
     *     message names the file and, for an empty line, its number)
     * @throws java.nio.charset.MalformedInputException if the file is not valid UTF-8
     * @throws IOException if the file cannot be read
     */
    public static Labels read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw Files.exists(file) ? new IOException(file + ": not a regular file")
                    : new java.nio.file.NoSuchFileException(file.toString(), null, "no such file");
        }
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new IOException(file + ": " + size + " bytes is more than a label file's limit of " + MAX_FILE_BYTES);
        }
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
    }

    private static Labels parse(List<String> lines, String source) {
        List<String> names = new ArrayList<>(lines);
        if (!names.isEmpty() && names.getFirst().startsWith("\uFEFF")) {
            names.set(0, names.getFirst().substring(1)); // a byte order mark is not part of the first label
        }
        while (!names.isEmpty() && names.getLast().isEmpty()) {
            names.removeLast();
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException(source + ": contains no labels");
        }
        int blank = names.indexOf("");
        if (blank >= 0) {
            throw new IllegalArgumentException(source + ": line " + (blank + 1)
                    + " is empty; expected one label per line");
        }
        return new Labels(List.copyOf(names));
    }

    /**
     * The name of one class.
     *
     * @param index the class, an output index of the model
     * @return its name
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    public String name(int index) {
        if (index < 0 || index >= names.size()) {
            throw new IndexOutOfBoundsException("class index " + index + " is out of range: there are "
                    + names.size() + " labels (0 to " + (names.size() - 1) + ")");
        }
        return names.get(index);
    }

    /**
     * Number of classes.
     *
     * @return at least 1
     */
    public int size() {
        return names.size();
    }

    /**
     * All names.
     *
     * @return the names in index order, an unmodifiable list
     */
    public List<String> names() {
        return names;
    }

    @Override
    public String toString() {
        return "Labels[" + names.size() + " classes: " + names.getFirst() + (names.size() > 1 ? ", ..." : "") + "]";
    }

    /** Loads the bundled list on first use. */
    private static final class ImageNetHolder {
        static final Labels LABELS = load();

        private static Labels load() {
            try (InputStream in = Labels.class.getResourceAsStream(IMAGENET_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + IMAGENET_RESOURCE + " is missing from the classpath");
                }
                List<String> lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
                Labels labels = parse(lines, IMAGENET_RESOURCE);
                if (labels.size() != IMAGENET_CLASSES) {
                    throw new IllegalStateException(IMAGENET_RESOURCE + " has " + labels.size() + " labels, expected "
                            + IMAGENET_CLASSES);
                }
                return labels;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read resource " + IMAGENET_RESOURCE, e);
            }
        }
    }
}
