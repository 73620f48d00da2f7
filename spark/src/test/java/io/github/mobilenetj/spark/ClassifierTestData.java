package io.github.mobilenetj.spark;

import io.github.mobilenetj.model.MobileNetV1;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Small synthetic inputs (seeded 28x28 grayscale images) for the API tests, which need no data set. */
final class ClassifierTestData {
    private ClassifierTestData() {
    }

    /** Seeded grayscale 28x28 images: blobs of random brightness, so the model's answers vary. */
    static List<BufferedImage> images(int count, long seed) {
        Random random = new Random(seed);
        List<BufferedImage> images = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            int x0 = random.nextInt(14);
            int y0 = random.nextInt(14);
            int w = 6 + random.nextInt(14);
            int h = 6 + random.nextInt(14);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    boolean inside = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
                    int v = inside ? 120 + random.nextInt(136) : random.nextInt(30);
                    image.getRaster().setSample(x, y, 0, v);
                }
            }
            images.add(image);
        }
        return images;
    }

    static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code count} rows (id int, tensor array<float>) of the bundled model's input tensors, in one partition per 4 rows. */
    static Dataset<Row> tensors(SparkSession spark, int count, long seed) {
        List<Row> rows = new ArrayList<>();
        try (MobileNetV1 model = MobileNetV1.fashionMnist()) {
            List<BufferedImage> images = images(count, seed);
            for (int i = 0; i < count; i++) {
                rows.add(RowFactory.create(i, model.preprocess(images.get(i))));
            }
        }
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType, false)
                .add("tensor", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        return spark.createDataFrame(rows, schema);
    }
}
