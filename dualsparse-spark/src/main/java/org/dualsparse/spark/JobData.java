package org.dualsparse.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.files.AtomicFile;

/**
 * Reads a job's input into rows of {@code id} and text, and writes its output rows. Input is a
 * file or a folder of files of one kind: {@code .txt} (documents separated by blank lines, as
 * {@code eval} and {@code calibrate} read them; each file is read whole), {@code .jsonl} / {@code
 * .json} (one JSON object per line) or {@code .parquet}. The text is the column the job names
 * ({@code prompt} or {@code text}); {@code id} is the row's position in the input: document order
 * for text files, line order for JSON lines, file then row order for Parquet.
 */
public final class JobData {

    /** How a job's rows are written. */
    public enum Format {
        /** {@code rows.parquet}, a folder Spark's executors write in parallel. */
        PARQUET,
        /** {@code rows.jsonl}, one file written by the driver: for small results. */
        JSONL;

        /** Parses {@code parquet} or {@code jsonl}. */
        public static Format parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "parquet" -> PARQUET;
                case "jsonl" -> JSONL;
                default -> throw new IllegalArgumentException("unknown output format \"" + name + "\": use parquet or jsonl");
            };
        }
    }

    private JobData() {}

    /**
     * The rows of {@code path} as {@code id} (long) and {@code column} (string, null where a row
     * has none).
     *
     * @throws InputDataException when the path does not exist, is of no known kind, or holds a
     *     line that is not a JSON object
     */
    public static Dataset<Row> read(SparkSession spark, Path path, String column) {
        String kind = kind(path);
        String location = path.toAbsolutePath().toString();
        Dataset<Row> rows = switch (kind) {
            case "txt" -> spark.read().option("wholetext", true).text(location)
                    .withColumn("file", input_file_name()).orderBy("file")
                    .select(col("value").as(column));
            case "jsonl", "json" -> json(spark, location, column);
            case "parquet" -> parquet(spark, location, column);
            default -> throw new InputDataException(location, "unknown data format: use .txt, .jsonl or .parquet files");
        };
        JavaRDD<String> texts = kind.equals("txt")
                ? rows.javaRDD().flatMap(r -> TextDocuments.split(r.getString(0)).iterator())
                : rows.javaRDD().map(r -> r.getString(0));
        StructType schema = new StructType().add("id", DataTypes.LongType, false).add(column, DataTypes.StringType);
        return spark.createDataFrame(texts.zipWithIndex().map(t -> RowFactory.create(t._2(), t._1())), schema);
    }

    private static Dataset<Row> json(SparkSession spark, String location, String column) {
        StructType schema = new StructType().add(column, DataTypes.StringType).add("_corrupt_record", DataTypes.StringType);
        Dataset<Row> rows = spark.read().schema(schema).option("mode", "PERMISSIVE").json(location).cache();
        Row corrupt = rows.filter(col("_corrupt_record").isNotNull()).select("_corrupt_record").limit(1)
                .collectAsList().stream().findFirst().orElse(null);
        if (corrupt != null) {
            String line = corrupt.getString(0);
            throw new InputDataException(location, "a line is not a JSON object with a string \"" + column + "\": "
                    + (line.length() <= 60 ? line : line.substring(0, 57) + "..."));
        }
        return rows.select(column);
    }

    private static Dataset<Row> parquet(SparkSession spark, String location, String column) {
        Dataset<Row> rows = spark.read().parquet(location);
        if (!Stream.of(rows.columns()).toList().contains(column)) {
            throw new InputDataException(location, "no column \"" + column + "\" (columns: " + String.join(", ", rows.columns()) + ")");
        }
        return rows.select(col(column).cast(DataTypes.StringType));
    }

    /** The extension of {@code path}, or of the files in it when it is a folder. */
    private static String kind(Path path) {
        if (!Files.exists(path)) {
            throw new InputDataException(path.toString(), "does not exist");
        }
        if (!Files.isDirectory(path)) {
            return extension(path);
        }
        try (Stream<Path> files = Files.list(path)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith(".") && !name.startsWith("_"))
                    .map(name -> extension(Path.of(name))).distinct()
                    .reduce((a, b) -> {
                        throw new InputDataException(path.toString(), "holds files of more than one kind (." + a + ", ." + b + ")");
                    })
                    .orElseThrow(() -> new InputDataException(path.toString(), "is an empty folder"));
        } catch (IOException e) {
            throw new InputDataException(path.toString(), "cannot list: " + e.getMessage());
        }
    }

    private static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /**
     * Writes {@code results}' rows, in id order, into folder {@code out} as {@code rows.parquet} or
     * {@code rows.jsonl}.
     */
    public static Path write(RowResults results, Path out, Format format) {
        Dataset<Row> ordered = results.rows().orderBy("id");
        try {
            Files.createDirectories(out);
            if (format == Format.PARQUET) {
                Path target = out.resolve("rows.parquet");
                ordered.write().parquet(target.toAbsolutePath().toString());
                return target;
            }
            Path target = out.resolve("rows.jsonl");
            AtomicFile.writeStream(target, stream -> {
                BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
                for (Iterator<String> lines = ordered.toJSON().toLocalIterator(); lines.hasNext(); ) {
                    writer.write(lines.next());
                    writer.newLine();
                }
                writer.flush();
            });
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }
}
