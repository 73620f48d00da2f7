package io.github.mobilenetj.io;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Checks that the tensors declared in a safetensors header tile its data section exactly, following the
 * reference implementation: each tensor's byte range matches its shape and type, and the ranges, sorted by
 * offset, follow one another without gap or overlap from the first byte of the data section to its last.
 */
final class DataLayout {

    private DataLayout() {
    }

    /**
     * Validates the entries and turns them into tensor descriptions with absolute file offsets.
     *
     * @param entries    the header's entries, in header order
     * @param dataStart  the file offset of the data section
     * @param dataLength the length of the data section in bytes
     * @param fileName   the file's name for error messages
     * @return one {@link TensorInfo} per entry, in the same order
     * @throws SafetensorsException naming the first offending tensor
     */
    static List<TensorInfo> validate(List<HeaderEntry> entries, long dataStart, long dataLength, String fileName)
            throws SafetensorsException {
        List<TensorInfo> tensors = new ArrayList<>(entries.size());
        for (HeaderEntry entry : entries) {
            long byteSize = byteSize(entry, fileName);
            if (entry.end() < entry.begin()) {
                throw fail(fileName, entry, "data_offsets " + entry.offsetsText() + " end before they begin");
            }
            if (entry.end() > dataLength) {
                throw fail(fileName, entry, "data_offsets " + entry.offsetsText()
                        + " reach beyond the data section, which has " + dataLength + " bytes");
            }
            if (entry.end() - entry.begin() != byteSize) {
                throw fail(fileName, entry, "data_offsets " + entry.offsetsText() + " span "
                        + (entry.end() - entry.begin()) + " bytes but shape " + entry.shapeText() + " of "
                        + entry.dtype() + " needs " + byteSize);
            }
            tensors.add(new TensorInfo(entry.name(), entry.dtype(), entry.shape(), dataStart + entry.begin(),
                    byteSize));
        }
        checkTiling(entries, dataStart, dataLength, fileName);
        return tensors;
    }

    private static long byteSize(HeaderEntry entry, String fileName) throws SafetensorsException {
        try {
            return Math.multiplyExact(Shapes.elementCount(entry.shape()), entry.dtype().byteSize());
        } catch (ArithmeticException e) {
            throw fail(fileName, entry, "shape " + entry.shapeText() + " of " + entry.dtype()
                    + " has a byte size that overflows 64 bits");
        }
    }

    private static void checkTiling(List<HeaderEntry> entries, long dataStart, long dataLength, String fileName)
            throws SafetensorsException {
        List<HeaderEntry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(HeaderEntry::begin).thenComparingLong(HeaderEntry::end));
        long covered = 0;
        HeaderEntry previous = null;
        for (HeaderEntry entry : byOffset) {
            if (entry.begin() < covered) {
                throw fail(fileName, entry, "data_offsets " + entry.offsetsText() + " overlap those of tensor "
                        + Messages.quote(previous.name()) + " " + previous.offsetsText());
            }
            if (entry.begin() > covered) {
                throw SafetensorsException.at(fileName, "data section bytes [" + covered + ", " + entry.begin()
                        + ") belong to no tensor (gap before tensor " + Messages.quote(entry.name()) + ")", dataStart + covered);
            }
            covered = entry.end();
            previous = entry;
        }
        if (covered != dataLength) {
            throw SafetensorsException.at(fileName, "data section has " + dataLength + " bytes but the tensors cover only "
                    + covered + "; the last " + (dataLength - covered) + " bytes belong to no tensor",
                    dataStart + covered);
        }
    }

    private static SafetensorsException fail(String fileName, HeaderEntry entry, String problem) {
        return SafetensorsException.at(fileName, entry.label() + ": " + problem, entry.fileOffset());
    }
}
