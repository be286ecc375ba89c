package org.dualsparse.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.dualsparse.eval.TextDocuments;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Job input: the kinds of files read, the ids given, and typed refusals naming the path. */
@Tag("kernel-insensitive")
class JobDataTest {

    @Test
    void textFilesInAFolderGiveTheirDocumentsInFileOrder(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("b.txt"), "third\n\n\n  fourth  \n");
        Files.writeString(dir.resolve("a.txt"), "first\r\n\r\nsecond line one\nsecond line two\n");
        List<Row> rows = JobData.read(LocalSpark.session(), dir, "text").orderBy("id").collectAsList();
        List<String> expected = List.of("first", "second line one\nsecond line two", "third", "fourth");
        assertEquals(expected, rows.stream().map(r -> r.getString(1)).toList());
        assertEquals(List.of(0L, 1L, 2L, 3L), rows.stream().map(r -> r.getLong(0)).toList());
        assertEquals(TextDocuments.split(Files.readString(dir.resolve("a.txt"))), expected.subList(0, 2));
    }

    @Test
    void jsonLinesAndParquetKeepTheirRowOrderAndAMissingFieldIsNull(@TempDir Path dir) throws IOException {
        SparkSession spark = LocalSpark.session();
        Path jsonl = dir.resolve("rows.jsonl");
        writeLines(jsonl, "{\"text\": \"a\"}", "{\"other\": 1}", "{\"text\": \"c\", \"extra\": true}");
        List<Row> rows = JobData.read(spark, jsonl, "text").orderBy("id").collectAsList();
        assertEquals(3, rows.size());
        assertEquals("a", rows.get(0).getString(1));
        assertTrue(rows.get(1).isNullAt(1));
        assertEquals("c", rows.get(2).getString(1));

        Path parquet = dir.resolve("prompts.parquet");
        StructType schema = new StructType().add("prompt", DataTypes.StringType);
        spark.createDataFrame(List.of(RowFactory.create("x"), RowFactory.create("y")), schema).coalesce(1)
                .write().parquet(parquet.toString());
        assertEquals(List.of("x", "y"), JobData.read(spark, parquet, "prompt").orderBy("id").collectAsList().stream()
                .map(r -> r.getString(1)).toList());
        InputDataException noColumn = assertThrows(InputDataException.class, () -> JobData.read(spark, parquet, "text"));
        assertTrue(noColumn.getMessage().contains("no column \"text\" (columns: prompt)"), noColumn.getMessage());
    }

    @Test
    void badInputIsRefusedNamingThePath(@TempDir Path dir) throws IOException {
        SparkSession spark = LocalSpark.session();
        Path missing = dir.resolve("missing.jsonl");
        assertEquals(missing + ": does not exist", assertThrows(InputDataException.class, () -> JobData.read(spark, missing, "text"))
                .getMessage());
        Path csv = Files.writeString(dir.resolve("data.csv"), "a,b\n");
        assertTrue(assertThrows(InputDataException.class, () -> JobData.read(spark, csv, "text")).getMessage()
                .contains("unknown data format"));
        Path broken = dir.resolve("broken.jsonl");
        writeLines(broken, "{\"text\": \"fine\"}", "{\"text\": unquoted}");
        InputDataException notJson = assertThrows(InputDataException.class, () -> JobData.read(spark, broken, "text"));
        assertTrue(notJson.getMessage().startsWith(broken.toAbsolutePath() + ": a line is not a JSON object"), notJson.getMessage());
        assertTrue(notJson.getMessage().contains("unquoted"), notJson.getMessage());
        Path mixed = Files.createDirectory(dir.resolve("mixed"));
        Files.writeString(mixed.resolve("a.txt"), "x");
        Files.writeString(mixed.resolve("b.jsonl"), "{}");
        assertTrue(assertThrows(InputDataException.class, () -> JobData.read(spark, mixed, "text")).getMessage()
                .contains("more than one kind"));
        assertThrows(IllegalArgumentException.class, () -> JobData.Format.parse("csv"));
    }

    private static void writeLines(Path file, String... lines) throws IOException {
        Files.write(file, List.of(lines));
    }
}
