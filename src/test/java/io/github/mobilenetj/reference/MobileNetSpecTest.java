package io.github.mobilenetj.reference;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MobileNetSpecTest {

    @Test
    void torchsummaryParameterCount() {
        MobileNetSpec spec = MobileNetSpec.of(1.0, 224, 1000);
        assertEquals(4_231_976L, spec.trainableParameterCount());
        // The same count computed directly from the layer list.
        long n = 0;
        for (MobileNetSpec.ConvLayer l : spec.convLayers()) {
            n += (long) l.out() * (l.in() / l.groups()) * l.kernel() * l.kernel() + 2L * l.out();
        }
        n += 1024L * 1000 + 1000;
        assertEquals(4_231_976L, n);
    }

    @Test
    void layers() {
        MobileNetSpec spec = MobileNetSpec.of(1.0, 224, 1000);
        List<MobileNetSpec.ConvLayer> layers = spec.convLayers();
        assertEquals(27, layers.size());
        assertEquals(new MobileNetSpec.ConvLayer("model.0.0", "model.0.1", 3, 32, 3, 2, 1, 1), layers.get(0));
        assertEquals(new MobileNetSpec.ConvLayer("model.1.0", "model.1.1", 32, 32, 3, 1, 1, 32), layers.get(1));
        assertEquals(new MobileNetSpec.ConvLayer("model.1.3", "model.1.4", 32, 64, 1, 1, 0, 1), layers.get(2));
        assertEquals(new MobileNetSpec.ConvLayer("model.12.0", "model.12.1", 512, 512, 3, 2, 1, 512), layers.get(23));
        assertEquals(new MobileNetSpec.ConvLayer("model.13.3", "model.13.4", 1024, 1024, 1, 1, 0, 1), layers.get(26));
        assertTrue(layers.get(1).depthwise());
        assertFalse(layers.get(2).depthwise());
        assertEquals(7, spec.finalFeatureSize());
        assertEquals(1, MobileNetSpec.of(0.25, 32, 10).finalFeatureSize());
        assertEquals(2, MobileNetSpec.of(0.25, 64, 10).finalFeatureSize());

        MobileNetSpec small = MobileNetSpec.of(0.25, 32, 10).withInChannels(1);
        assertEquals(new MobileNetSpec.ConvLayer("model.0.0", "model.0.1", 1, 8, 3, 2, 1, 1), small.convLayers().get(0));
        assertEquals(256, small.featureChannels());
        assertEquals(24, MobileNetSpec.of(0.75, 224, 1000).c(32));
        assertEquals(48, MobileNetSpec.of(0.75, 224, 1000).c(64));
    }

    @Test
    void stateDictKeysInOrder() {
        Map<String, int[]> shapes = MobileNetSpec.of(1.0, 224, 1000).stateDictShapes();
        assertEquals(27 * 5 + 2, shapes.size());
        List<String> keys = new ArrayList<>(shapes.keySet());
        assertEquals(List.of("model.0.0.weight", "model.0.1.weight", "model.0.1.bias", "model.0.1.running_mean",
                "model.0.1.running_var", "model.1.0.weight", "model.1.1.weight", "model.1.1.bias", "model.1.1.running_mean",
                "model.1.1.running_var", "model.1.3.weight", "model.1.4.weight"), keys.subList(0, 12));
        assertEquals(List.of("model.13.4.running_var", "fc.weight", "fc.bias"), keys.subList(keys.size() - 3, keys.size()));
        assertArrayEquals(new int[] {32, 3, 3, 3}, shapes.get("model.0.0.weight"));
        assertArrayEquals(new int[] {32, 1, 3, 3}, shapes.get("model.1.0.weight"));
        assertArrayEquals(new int[] {64, 32, 1, 1}, shapes.get("model.1.3.weight"));
        assertArrayEquals(new int[] {64}, shapes.get("model.1.4.running_mean"));
        assertArrayEquals(new int[] {1024, 1024, 1, 1}, shapes.get("model.13.3.weight"));
        assertArrayEquals(new int[] {1000, 1024}, shapes.get("fc.weight"));
        assertArrayEquals(new int[] {1000}, shapes.get("fc.bias"));
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> MobileNetSpec.of(0.01, 224, 1000));
        assertThrows(IllegalArgumentException.class, () -> MobileNetSpec.of(1, 0, 1000));
        assertThrows(IllegalArgumentException.class, () -> MobileNetSpec.of(1, 224, 1000).withInChannels(0));
        assertThrows(IllegalArgumentException.class, () -> MobileNetSpec.of(1, 224, 1000).withBnEpsilon(-1));
    }

    @Test
    void randomWeightsAreDeterministicAndPlausible() {
        MobileNetSpec spec = MobileNetSpec.of(0.25, 32, 10);
        LinkedHashMap<String, float[]> a = RandomWeights.generate(spec, 42);
        LinkedHashMap<String, float[]> b = RandomWeights.generate(spec, 42);
        LinkedHashMap<String, float[]> c = RandomWeights.generate(spec, 43);
        assertEquals(new ArrayList<>(spec.stateDictShapes().keySet()), new ArrayList<>(a.keySet()));
        for (MobileNetSpec.Param p : spec.stateDict()) {
            float[] t = a.get(p.key());
            assertEquals(p.numel(), t.length, p.key());
            assertArrayEquals(t, b.get(p.key()), p.key());
            assertFalse(java.util.Arrays.equals(t, c.get(p.key())), p.key());
            for (float v : t) {
                switch (p.role()) {
                    case BN_WEIGHT, BN_RUNNING_VAR -> assertTrue(v >= 0.5f && v <= 1.5f, p.key());
                    case BN_BIAS, BN_RUNNING_MEAN -> assertTrue(v >= -0.1f && v <= 0.1f, p.key());
                    case FC_WEIGHT, FC_BIAS -> assertTrue(Math.abs(v) <= 1 / 16f, p.key());
                    case CONV_WEIGHT -> assertTrue(Float.isFinite(v));
                }
            }
        }
        // He init: the pointwise 64 -> 128 layer of alpha 1 has std sqrt(2 / 64).
        float[] w = RandomWeights.generate(MobileNetSpec.of(1.0, 32, 10), 1).get("model.2.3.weight");
        double sq = 0;
        for (float v : w) sq += (double) v * v;
        assertEquals(Math.sqrt(2.0 / 64), Math.sqrt(sq / w.length), 0.01);
        assertNotEquals(0f, RandomWeights.input(spec, 1, 1)[0]);
    }
}
