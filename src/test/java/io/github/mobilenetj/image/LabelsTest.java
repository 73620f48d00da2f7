package io.github.mobilenetj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsTest {
    @TempDir
    Path dir;

    @Test
    void imageNetHasTheTorchvisionClassesInOrder() {
        Labels labels = Labels.imageNet();
        assertEquals(1000, labels.size());
        assertEquals("tench", labels.name(0));
        assertEquals("goldfish", labels.name(1));
        assertEquals("golden retriever", labels.name(207));
        assertEquals("tabby", labels.name(281));
        assertEquals("analog clock", labels.name(409));
        assertEquals("sports car", labels.name(817));
        assertEquals("toilet tissue", labels.name(999));
        assertEquals("crane bird", labels.name(134));
        assertEquals("crane", labels.name(517));
        assertEquals(1000, new HashSet<>(labels.names()).size(), "torchvision's names are unique");
        assertSame(labels, Labels.imageNet());
    }

    @Test
    void outOfRangeIndexNamesTheRange() {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Labels.imageNet().name(1000));
        assertEquals("class index 1000 is out of range: there are 1000 labels (0 to 999)", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Labels.imageNet().name(-1));
    }

    @Test
    void ofCopiesAndValidates() {
        List<String> names = Arrays.asList("cat", "dog");
        Labels labels = Labels.of(names);
        names.set(0, "changed");
        assertEquals("cat", labels.name(0));
        assertEquals(2, labels.size());
        assertThrows(IllegalArgumentException.class, () -> Labels.of(List.of()));
        assertThrows(IllegalArgumentException.class, () -> Labels.of(Arrays.asList("a", null)));
        assertThrows(UnsupportedOperationException.class, () -> labels.names().add("x"));
    }

    @Test
    void readsOneLabelPerLine() throws IOException {
        Path file = Files.writeString(dir.resolve("labels.txt"), "T-shirt/top\nTrouser\nPullover\n");
        Labels labels = Labels.read(file);
        assertEquals(List.of("T-shirt/top", "Trouser", "Pullover"), labels.names());

        Path gap = Files.writeString(dir.resolve("gap.txt"), "a\n\nb\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Labels.read(gap));
        assertTrue(e.getMessage().contains("line 2 is empty"), e.getMessage());
    }

    /** A label file saved with a UTF-8 byte order mark (as some editors do) does not put it in label 0. */
    @Test
    void byteOrderMarkIsNotPartOfTheFirstLabel() throws Exception {
        Path bom = Files.writeString(dir.resolve("bom.txt"), "\uFEFFtench\ngoldfish\n");
        assertEquals(java.util.List.of("tench", "goldfish"), Labels.read(bom).names());
    }

    @Test
    void numberedLabelsAreMadeOnDemand() {
        Labels many = Labels.numbered(1 << 20);
        assertEquals(1 << 20, many.size());
        assertEquals("class 1048575", many.name((1 << 20) - 1));
        assertThrows(IllegalArgumentException.class, () -> Labels.numbered(0));
    }
}
