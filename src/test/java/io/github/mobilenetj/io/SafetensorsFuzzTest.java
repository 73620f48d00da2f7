package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutates a valid file at random (fixed seed) and checks that the reader either rejects it with a
 * {@link SafetensorsException} or accepts it and then serves every tensor without failing.
 */
class SafetensorsFuzzTest {

    private static final long SEED = 0x5AFE_7E45L;
    private static final int MUTATIONS = 3000;
    private static final byte[] JSON_BYTES = "{}[]\":,0123456789-.e\\ ntfu".getBytes();

    @TempDir
    Path dir;

    @Test
    void mutatedFilesAreRejectedCleanlyOrReadSafely() throws Exception {
        byte[] original = SafetensorsFileTest.sampleFile();
        Random random = new Random(SEED);
        Path path = dir.resolve("fuzz.safetensors");
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] mutated = mutate(original, random);
            Files.write(path, mutated);
            SafetensorsFile file;
            try {
                file = SafetensorsFile.open(path);
            } catch (SafetensorsException expected) {
                assertTrue(expected.getMessage().startsWith(path + ": "), expected.getMessage());
                rejected++;
                continue;
            } catch (Throwable unexpected) {
                throw new AssertionError("mutation " + i + " raised " + unexpected + " for "
                        + Arrays.toString(mutated), unexpected);
            }
            try (file) {
                readEverything(file, mutated.length);
                accepted++;
            } catch (Throwable unexpected) {
                fail("mutation " + i + " was accepted but could not be read", unexpected);
            }
        }
        assertEquals(MUTATIONS, accepted + rejected);
        assertTrue(rejected > MUTATIONS / 2, "most mutations should break the file: " + rejected);
        assertTrue(accepted > 0, "some mutations (in data or whitespace) should keep it valid");
    }

    private static void readEverything(SafetensorsFile file, long fileSize) {
        file.metadata();
        for (String name : file.names()) {
            TensorInfo info = file.info(name);
            assertTrue(info.dataOffset() + info.byteSize() <= fileSize, info.toString());
            MemorySegment bytes = file.bytes(name);
            assertEquals(info.byteSize(), bytes.toArray(ValueLayout.JAVA_BYTE).length);
            if (info.dtype().isConvertibleToFloat()) {
                assertEquals(info.elementCount(), file.readFloats(name).length);
            }
        }
    }

    private static byte[] mutate(byte[] original, Random random) {
        byte[] bytes = original.clone();
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            // Mostly within the length prefix and header, where the parsing happens.
            int headerEnd = Math.min(bytes.length, original.length - 75);
            int at = random.nextInt(random.nextInt(4) == 0 ? bytes.length : headerEnd);
            switch (random.nextInt(6)) {
                case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> bytes[at] = (byte) random.nextInt(256);
                case 2 -> bytes[at] = JSON_BYTES[random.nextInt(JSON_BYTES.length)];
                case 3 -> bytes = Arrays.copyOf(bytes, at);
                case 4 -> bytes[random.nextInt(Math.min(8, bytes.length))] = (byte) random.nextInt(256);
                default -> {
                    // Delete one byte: shifts everything after it, like a corrupted copy.
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
                    bytes = shorter;
                }
            }
            if (bytes.length == 0) {
                break;
            }
        }
        return bytes;
    }
}
