package io.github.mobilenetj.model;

import io.github.mobilenetj.io.DType;
import io.github.mobilenetj.nn.BatchNorm;
import io.github.mobilenetj.nn.Conv2d;
import io.github.mobilenetj.nn.Linear;
import io.github.mobilenetj.nn.ParameterStore;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Checks a state_dict against an {@link Architecture} and loads it into a {@link ParameterStore}:
 * each tensor goes from the file (or memory) into native memory, is checked to be finite, and gets
 * its BatchNorm folded in place. No weights tensor is ever copied onto the Java heap (only the
 * BatchNorm vectors and biases are, briefly).
 */
final class ParameterLoader {

    /** Problems listed in full in one message; beyond this, a count. */
    static final int PROBLEMS_SHOWN = 25;

    private ParameterLoader() {
    }

    /**
     * Throws one {@link IllegalArgumentException} listing every missing, unexpected, mis-shaped and
     * mis-typed tensor of {@code dict} for {@code architecture}, if there is any.
     */
    static void check(StateDict dict, Architecture architecture, Naming naming) {
        Map<String, long[]> expected = new LinkedHashMap<>();
        architecture.tensorShapes().forEach((key, shape) -> expected.put(naming.name(key), shape));
        List<String> problems = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String name = e.getKey();
            if (!dict.contains(name)) {
                missing.add(name);
                continue;
            }
            long[] shape = dict.shape(name);
            if (!Arrays.equals(shape, e.getValue())) {
                problems.add(quote(name) + " has shape " + Arrays.toString(shape) + ", expected " + Arrays.toString(e.getValue()));
            }
            DType dtype = dict.dtype(name);
            if (!dtype.isConvertibleToFloat()) {
                problems.add(quote(name) + " has dtype " + dtype + ", expected F32, F16, BF16 or F64");
            }
        }
        for (String name : missing) {
            problems.add(quote(name) + " is missing");
        }
        TreeSet<String> unexpected = new TreeSet<>(dict.names());
        unexpected.removeAll(expected.keySet());
        unexpected.removeIf(Naming::isIgnored);
        for (String name : unexpected) {
            if (problems.size() > PROBLEMS_SHOWN) {
                problems.add("");
                continue; // counted, not described
            }
            problems.add(quote(name) + " is not a tensor of this model");
        }
        if (!problems.isEmpty()) {
            ModelConfig c = architecture.config();
            throw new IllegalArgumentException(dict.source() + " (" + naming.name().toLowerCase(java.util.Locale.ROOT)
                    + " names) does not match MobileNetV1 α " + c.widthMultiplier() + ", " + c.classes() + " classes, "
                    + c.inChannels() + " input channel(s): " + problems.size() + " problem(s): " + list(problems));
        }
    }

    /** Longest tensor name quoted in a message; a longer one is cut and its length given. */
    static final int NAME_SHOWN = 120;

    /** {@code name} quoted, cut to {@link #NAME_SHOWN} characters. */
    static String quote(String name) {
        return name.length() <= NAME_SHOWN ? "'" + name + "'"
                : "'" + name.substring(0, NAME_SHOWN) + "...' (" + name.length() + " characters)";
    }

    /** The first {@link #PROBLEMS_SHOWN} problems joined, then how many more there are. */
    static String list(List<String> problems) {
        String shown = String.join("; ", problems.subList(0, Math.min(problems.size(), PROBLEMS_SHOWN)));
        return problems.size() > PROBLEMS_SHOWN ? shown + "; and " + (problems.size() - PROBLEMS_SHOWN) + " more" : shown;
    }

    /** Loads every layer's parameters into {@code store} (after {@link #check}). */
    static void load(StateDict dict, Architecture architecture, Naming naming, ParameterStore store) {
        double epsilon = architecture.config().batchNormEpsilon();
        List<Architecture.Module> modules = architecture.modules();
        for (int index = 0; index < modules.size(); index++) {
            Architecture.Module m = modules.get(index);
            switch (m.layer()) {
                case Conv2d conv -> {
                    String weightName = naming.name(m.weightKey());
                    MemorySegment weights = store.allocateWeights(index, conv.weightShape());
                    dict.read(weightName, weights);
                    requireFinite(dict, weightName, weights);
                    MemorySegment bias = store.allocateBias(index, conv.outChannels());
                    if (m.biasKey() != null) {
                        readVector(dict, naming.name(m.biasKey()), bias);
                    }
                    if (m.batchNormPrefix() != null) {
                        BatchNorm bn = batchNorm(dict, naming, m.batchNormPrefix(), epsilon);
                        try {
                            bn.foldInto(weights, bias);
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException(dict.source() + ": BatchNorm '"
                                    + naming.name(m.batchNormPrefix() + "weight") + "' folded into '" + weightName + "': "
                                    + e.getMessage(), e);
                        }
                    }
                }
                case Linear linear -> {
                    String weightName = naming.name(m.weightKey());
                    MemorySegment weights = store.allocateWeights(index, linear.weightShape());
                    dict.read(weightName, weights);
                    requireFinite(dict, weightName, weights);
                    if (m.biasKey() != null) {
                        readVector(dict, naming.name(m.biasKey()), store.allocateBias(index, linear.outFeatures()));
                    }
                }
                default -> {
                    // no parameters
                }
            }
        }
    }

    private static BatchNorm batchNorm(StateDict dict, Naming naming, String prefix, double epsilon) {
        float[][] v = new float[4][];
        for (int i = 0; i < 4; i++) {
            String name = naming.name(prefix + Architecture.BATCH_NORM_FIELDS.get(i));
            v[i] = dict.read(name);
            requireFinite(dict, name, MemorySegment.ofArray(v[i]));
            if (i == 3) {
                for (int c = 0; c < v[i].length; c++) {
                    if (!(v[i][c] + epsilon > 0)) {
                        throw new IllegalArgumentException(dict.source() + ": '" + name + "'[" + c + "] = " + v[i][c]
                                + ": variance + epsilon (" + epsilon + ") must be > 0");
                    }
                }
            }
        }
        return new BatchNorm(v[0], v[1], v[2], v[3], epsilon);
    }

    private static void readVector(StateDict dict, String name, MemorySegment dst) {
        dict.read(name, dst);
        requireFinite(dict, name, dst);
    }

    /** Throws naming the tensor and the first index whose value is NaN or infinite. */
    static void requireFinite(StateDict dict, String name, MemorySegment floats) {
        long n = floats.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            float v = floats.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(dict.source() + ": tensor '" + name + "' has " + v + " at index " + i
                        + "; weights must be finite");
            }
        }
    }
}
