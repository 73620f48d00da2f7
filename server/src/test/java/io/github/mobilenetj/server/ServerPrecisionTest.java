package io.github.mobilenetj.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.mobilenetj.model.MobileNetV1;
import io.github.mobilenetj.model.Precision;
import io.github.mobilenetj.model.Session;
import io.github.mobilenetj.server.V2Client.Output;
import io.github.mobilenetj.server.V2Client.Result;
import io.github.mobilenetj.server.V2Client.Tensor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code --precision}: the server runs the bundled model's INT8 version when asked, and refuses a bad value. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ServerPrecisionTest {

    @Test
    void int8ServesTheQuantizedModelsLogits() throws Exception {
        assumeTrue(FashionData.available(), "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        FashionData data = FashionData.load(16);
        InferenceServer server = Main.start(ServerOptions.parse("--host", "127.0.0.1", "--port", "0",
                "--workers", "1", "--threads", "1", "--precision", "int8"));
        try (MobileNetV1 int8 = MobileNetV1.builder().threads(1).precision(Precision.INT8).fashionMnist();
             Session session = int8.newSession()) {
            for (ServedModel m : server.models().values()) {
                m.backend.awaitReady();
            }
            V2Client client = new V2Client("127.0.0.1", server.port());
            int agree = 0;
            double maxFromFp32 = 0;
            for (int i = 0; i < 16; i++) {
                float[] input = int8.preprocess(data.image(i));
                Result r = client.infer("fashion-mnist", Tensor.fp32("input", new long[] {1, 1, 64, 64}, input), true,
                        List.of(new Output("logits", true, 0)), null);
                assertEquals(200, r.reply().status(), r.reply().toString());
                float[] served = r.fp32().get("logits");
                // The same quantized network on the same kernels (one worker, one thread): identical logits.
                assertArrayEquals(session.run(input), served, "image " + i + ": the server's INT8 logits");
                float[] fp32 = data.logits(i, 1); // PyTorch, float32
                agree += argmax(served) == argmax(fp32) ? 1 : 0;
                for (int c = 0; c < fp32.length; c++) {
                    maxFromFp32 = Math.max(maxFromFp32, Math.abs(served[c] - fp32[c]));
                }
            }
            assertTrue(maxFromFp32 > 1e-3, "the logits equal PyTorch's float32 ones: INT8 was not used");
            assertTrue(agree >= 15, "INT8 agrees with PyTorch's float32 top-1 on only " + agree + " of 16 images");
        } finally {
            server.drain(Duration.ofSeconds(10));
        }
    }

    @Test
    void anUnknownPrecisionIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerOptions.parse("--precision", "fp16"));
        assertEquals("--precision is fp32, bf16 or int8, got 'fp16'", e.getMessage());
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
