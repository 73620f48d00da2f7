package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.mobilenetj.testing.Allocations;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Coverage-guided fuzzing of the safetensors reader (Jazzer), on the file's bytes in memory (the
 * mapping of a real file is tested by the other tests). In a normal test run it replays the inputs
 * in {@code src/test/resources/io/github/mobilenetj/io/SafetensorsFileFuzzTestInputs/openAndRead}; with
 * {@code JAZZER_FUZZ=1} it fuzzes from them (see README, "Fuzzing").
 *
 * <p>Properties: a file is either rejected with a {@link SafetensorsException} whose message starts with
 * the file's name, or accepted and then every tensor can be read inside the file, with metadata and
 * tensor counts within the caps; opening allocates at most a small multiple of the file's size.
 */
class SafetensorsFileFuzzTest {

    private static final String NAME = "fuzz.safetensors";

    @FuzzTest
    void openAndRead(byte[] data) {
        long bound = 16L * data.length + (4 << 20);
        SafetensorsFile[] opened = new SafetensorsFile[1];
        // The file's bytes as a heap segment: the same validation as a mapped file, a hundred times faster.
        Allocations.Measurement m = Allocations.measureSettled(() -> {
            closeQuietly(opened[0]);
            Arena arena = Arena.ofConfined();
            try {
                opened[0] = SafetensorsFile.parse(NAME, arena, MemorySegment.ofArray(data));
            } catch (Throwable t) {
                arena.close();
                opened[0] = null;
                throw t;
            }
        }, bound);
        assertTrue(m.bytes() < bound, () -> "opening " + data.length + " bytes allocated " + m.megabytes());
        if (m.thrown() != null) {
            SafetensorsException e = m.thrown(SafetensorsException.class);
            assertTrue(e.getMessage().startsWith(NAME + ": "), e.getMessage());
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

    private static void closeQuietly(SafetensorsFile file) {
        if (file != null) {
            file.close();
        }
    }
}
