package io.github.mobilenetj.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.testing.Allocations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headers that cost far more to parse than their size (issue 11, defect 10): the reader caps the tensors
 * and metadata entries a header may declare, keeps error messages short whatever the names, and the
 * memory a header can make it allocate is bounded by a small multiple of the header's size.
 */
class SafetensorsAmplificationTest {

    @TempDir
    Path dir;

    private Path write(String name, String header) {
        return SafetensorsBytes.write(dir, name, SafetensorsBytes.file(header, new byte[0]));
    }

    /** {@code count} tensors of zero elements, all at [0, 0]: a few dozen header bytes each. */
    private static String zeroSizeTensors(int count) {
        StringBuilder header = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            header.append(i == 0 ? "" : ",").append("\"t").append(i)
                    .append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        return header.append('}').toString();
    }

    private static String metadataEntries(int count) {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{");
        for (int i = 0; i < count; i++) {
            header.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"\"");
        }
        return header.append("}}").toString();
    }

    @Test
    void tooManyTensorsAreRefusedWithAShortMessage() {
        Path file = write("tensors.safetensors", zeroSizeTensors(200_000));
        Allocations.Measurement m = Allocations.measure(() -> SafetensorsFile.open(file).close());
        SafetensorsException e = m.thrown(SafetensorsException.class);
        assertTrue(e.getMessage().startsWith(file + ": more than 131072 tensors"), e.getMessage());
        assertTrue(e.getMessage().contains("file offset"), e.getMessage());
        assertTrue(e.getMessage().length() < 300, e.getMessage());
        long headerBytes = zeroSizeTensors(200_000).length();
        assertTrue(m.bytes() < 8 * headerBytes + (16 << 20), "allocated " + m.megabytes() + " for a "
                + headerBytes + "-byte header");
    }

    @Test
    void tooManyMetadataEntriesAreRefused() {
        String header = metadataEntries(1_000_000);
        Path file = write("metadata.safetensors", header);
        Allocations.Measurement m = Allocations.measure(() -> SafetensorsFile.open(file).close());
        SafetensorsException e = m.thrown(SafetensorsException.class);
        assertTrue(e.getMessage().startsWith(file + ": '__metadata__' has more than 65536 entries"), e.getMessage());
        // Before the cap: about 190 bytes allocated per 8-byte entry, 24 times the header.
        assertTrue(m.bytes() < 3L * header.length() + (32 << 20), "allocated " + m.megabytes() + " for a "
                + header.length() + "-byte header");
    }

    @Test
    void hugeNamesAreCutInMessages() {
        String name = "n".repeat(1_000_000);
        String entry = "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}";
        Path duplicate = write("duplicate.safetensors", "{\"" + name + "\":" + entry + ",\"" + name + "\":" + entry + "}");
        String message = Allocations.measure(() -> SafetensorsFile.open(duplicate).close())
                .thrown(SafetensorsException.class).getMessage();
        assertTrue(message.contains("duplicate tensor name 'nnnn"), message);
        assertTrue(message.contains("(1000000 characters)"), message);
        assertTrue(message.length() < 500, () -> "message of " + message.length() + " characters");

        Path badType = write("dtype.safetensors", "{\"t\":{\"dtype\":\"" + name + "\",\"shape\":[0],\"data_offsets\":[0,0]}}");
        String typeMessage = Allocations.measure(() -> SafetensorsFile.open(badType).close())
                .thrown(SafetensorsException.class).getMessage();
        assertTrue(typeMessage.contains("unknown dtype"), typeMessage);
        assertTrue(typeMessage.length() < 500, () -> "message of " + typeMessage.length() + " characters");
    }

    @Test
    void unknownTensorMessageListsFewNames() throws Exception {
        Path file = write("many.safetensors", zeroSizeTensors(20_000));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            String message = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> st.info("missing")).getMessage();
            assertTrue(message.endsWith("t8, t9, ... (20000 in all)"), message);
            assertTrue(message.length() < 300, message);
        }
    }

    /**
     * The largest allocation a header can cause while it is parsed: for hostile headers just under every
     * cap (the most tensors of the highest rank, the most metadata entries, one huge string of characters
     * that do not fit in Latin-1), at most a few times the header's size.
     */
    @Test
    void allocationIsBoundedByTheHeaderSize() {
        StringBuilder ranks = new StringBuilder("{");
        String zeros = "[" + "0,".repeat(63) + "0]";
        for (int i = 0; i < 20_000; i++) {
            ranks.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(zeros).append(",\"data_offsets\":[0,0]}");
        }
        ranks.append('}');
        String wide = "{\"__metadata__\":{\"k\":\"" + "\u0100".repeat(4_000_000) + "\"}}";
        String[] headers = {ranks.toString(), zeroSizeTensors(131_072), metadataEntries(65_536), wide};
        for (int i = 0; i < headers.length; i++) {
            String header = headers[i];
            Path file = write("hostile" + i + ".safetensors", header);
            Allocations.Measurement m = Allocations.measure(() -> SafetensorsFile.open(file).close());
            assertEquals(null, m.thrown(), () -> "header " + header.substring(0, 60) + " was refused");
            long size = header.getBytes(StandardCharsets.UTF_8).length;
            System.out.printf("header %d: %d bytes, %s allocated (%.1fx)%n", i, size, m.megabytes(),
                    (double) m.bytes() / size);
            assertTrue(m.bytes() < 16 * size + (8 << 20), "header " + i + " of " + size + " bytes: allocated "
                    + m.megabytes());
        }
    }
}
