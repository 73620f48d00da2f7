package io.github.mobilenetj.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.mobilenetj.dnnl.Dnnl;
import io.github.mobilenetj.dnnl.Engine;
import io.github.mobilenetj.image.PixelLayout;
import io.github.mobilenetj.io.DType;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The thread count is part of a compiled network; running it leaves the caller's OpenMP setting alone. */
@Tag("arm64")
class ThreadsTest {

    @Test
    void networksRunWithTheirThreadCountAndRestoreTheCallers() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        float[] w = Naive.random(random, 16 * 8 * 9, 0.5);
        float[] x = Naive.random(random, 8 * 20 * 20, 1.0);
        Conv2d conv = Conv2d.builder(8, 16).kernel(3).padding(1).build();
        float[] expected = Naive.conv2d(x, 1, 8, 20, 20, w, null, 16, 3, 3, 1, 1, 1, 1, 1, 1);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (Engine engine = Engine.cpu()) {
            thread.submit(() -> {
                Dnnl.setThreads(2);
                for (int threads = 1; threads <= 2; threads++) {
                    try (TestNet net = TestNet.compile(engine, List.of(conv), Arrays.asList(w), Arrays.asList((float[]) null),
                            Shape.of(1, 8, 20, 20), PixelLayout.CHW, PixelLayout.CHW, DType.F32, threads)) {
                        assertEquals(threads, net.network.threads());
                        assertEquals(2, Dnnl.threads(), "compiling must restore the caller's OpenMP setting");
                        float[] got = net.run(x);
                        assertEquals(2, Dnnl.threads(), "running must restore the caller's OpenMP setting");
                        float error = Naive.maxAbsDiff(expected, got);
                        assertTrue(error <= 1e-4f * Math.max(1f, Naive.maxAbs(expected)), "threads " + threads + ": " + error);
                    }
                }
                return null;
            }).get();
        } finally {
            thread.shutdown();
        }
    }
}
