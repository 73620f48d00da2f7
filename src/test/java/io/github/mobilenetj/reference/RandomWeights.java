package io.github.mobilenetj.reference;

import java.util.LinkedHashMap;
import java.util.SplittableRandom;

/**
 * Deterministic random state_dicts and inputs with realistic magnitudes, so that activations neither vanish nor
 * explode through the 27 conv layers:
 * conv weights ~ N(0, sqrt(2 / fan_in)) (He), BN gamma ~ U(0.5, 1.5), beta ~ U(-0.1, 0.1),
 * running_mean ~ U(-0.1, 0.1), running_var ~ U(0.5, 1.5), fc weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)).
 *
 * <p>Values depend only on the spec and the seed (a {@link SplittableRandom} drawn in state_dict order; normal
 * variates by Box-Muller), so they are the same on every JDK.
 */
public final class RandomWeights {

    private RandomWeights() {
    }

    /** The state_dict of the spec, in state_dict order. */
    public static LinkedHashMap<String, float[]> generate(MobileNetSpec spec, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        LinkedHashMap<String, float[]> dict = new LinkedHashMap<>();
        for (MobileNetSpec.Param p : spec.stateDict()) {
            float[] t = new float[p.numel()];
            switch (p.role()) {
                case CONV_WEIGHT -> {
                    int[] s = p.shape();
                    double std = Math.sqrt(2.0 / (s[1] * s[2] * s[3]));
                    for (int i = 0; i < t.length; i++) t[i] = (float) (gaussian(random) * std);
                }
                case BN_WEIGHT, BN_RUNNING_VAR -> fill(t, random, 0.5, 1.5);
                case BN_BIAS, BN_RUNNING_MEAN -> fill(t, random, -0.1, 0.1);
                case FC_WEIGHT, FC_BIAS -> {
                    double bound = 1.0 / Math.sqrt(spec.featureChannels());
                    fill(t, random, -bound, bound);
                }
            }
            dict.put(p.key(), t);
        }
        return dict;
    }

    /** A standard-normal NCHW input [batch, inChannels, resolution, resolution] (roughly what a normalized image gives). */
    public static float[] input(MobileNetSpec spec, int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] x = new float[batch * spec.inChannels() * spec.resolution() * spec.resolution()];
        for (int i = 0; i < x.length; i++) x[i] = (float) gaussian(random);
        return x;
    }

    private static void fill(float[] t, SplittableRandom random, double lo, double hi) {
        for (int i = 0; i < t.length; i++) t[i] = (float) (lo + (hi - lo) * random.nextDouble());
    }

    /** One N(0, 1) variate by Box-Muller (the cosine branch only, so each call consumes exactly two doubles). */
    private static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble(); // (0, 1]
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
