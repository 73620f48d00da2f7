package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mobilenetj.testing.Allocations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing of the safetensors reader (Jazzer). In a normal test run it replays the inputs
 * in {@code src/test/resources/io/github/mobilenetj/io/SafetensorsFileFuzzTestInputs/openAndRead}; with
 * {@code JAZZER_FUZZ=1} it fuzzes from them (see README, "Fuzzing").
 *
 * <p>Properties: a file is either rejected with a {@link SafetensorsException} whose message starts with
 * the file's name, or accepted and then every tensor can be read inside the file, with metadata and
 * tensor counts within the caps; opening allocates at most a small multiple of the file's size.
 */
class SafetensorsFileFuzzTest {

    private static final Path FILE = temporaryFile();

    private static Path temporaryFile() {
        try {
            Path dir = Files.createTempDirectory("mobilenetj-fuzz-safetensors");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("input.safetensors");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest
    @Timeout(10)
    void openAndRead(byte[] data) throws IOException {
        Files.write(FILE, data);
        SafetensorsFile[] opened = new SafetensorsFile[1];
        Allocations.Measurement m = Allocations.measure(() -> opened[0] = SafetensorsFile.open(FILE));
        assertTrue(m.bytes() < 16L * data.length + (4 << 20), () -> "opening " + data.length + " bytes allocated "
                + m.megabytes());
        if (m.thrown() != null) {
            SafetensorsException e = m.thrown(SafetensorsException.class);
            assertTrue(e.getMessage().startsWith(FILE + ": "), e.getMessage());
            assertTrue(e.getMessage().length() < 2000, () -> "message of " + e.getMessage().length() + " characters");
            return;
        }
        try (SafetensorsFile file = opened[0]) {
            assertTrue(file.names().size() <= SafetensorsFile.MAX_TENSORS);
            assertTrue(file.metadata().size() <= SafetensorsFile.MAX_METADATA_ENTRIES);
            long end = data.length;
            for (String name : file.names()) {
                TensorInfo info = file.info(name);
                assertTrue(info.rank() <= SafetensorsFile.MAX_RANK);
                assertTrue(info.dataOffset() >= 8 && info.dataOffset() + info.byteSize() <= end, info::toString);
                MemorySegment bytes = file.bytes(name);
                assertEquals(info.byteSize(), bytes.byteSize());
                if (bytes.byteSize() > 0) {
                    bytes.get(ValueLayout.JAVA_BYTE, bytes.byteSize() - 1);
                }
                if (info.dtype().isConvertibleToFloat() && info.elementCount() <= 1 << 20) {
                    assertEquals(info.elementCount(), file.readFloats(name).length);
                }
            }
        }
    }
}
