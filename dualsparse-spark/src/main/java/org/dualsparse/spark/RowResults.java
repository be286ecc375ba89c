package org.dualsparse.spark;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * A row job's output, computed once and kept (memory, then disk) while it is counted and written:
 * checked to hold every input row exactly once, with how many rows failed.
 *
 * @param rows one per input row, with an {@code error} column null where the row succeeded
 * @param rowsIn input rows
 * @param failed rows whose {@code error} is set
 */
public record RowResults(Dataset<Row> rows, long rowsIn, long failed) {

    /**
     * Runs {@code output}, the rows of a job over {@code input}, and checks the counts.
     *
     * @throws RowCountException when rows were lost or repeated
     */
    static RowResults check(String job, Dataset<Row> input, Dataset<Row> output) {
        long rowsIn = input.count();
        Dataset<Row> kept = output.persist(StorageLevel.MEMORY_AND_DISK());
        SparkContext spark = output.sparkSession().sparkContext();
        spark.setJobDescription(description(job, rowsIn));
        long rowsOut;
        try {
            rowsOut = kept.count();
        } finally {
            spark.setJobDescription(null);
        }
        long distinct = kept.select("id").distinct().count();
        if (rowsOut != rowsIn || distinct != rowsIn) {
            kept.unpersist();
            throw new RowCountException(job, rowsIn, rowsOut, distinct);
        }
        return new RowResults(kept, rowsIn, kept.filter(col("error").isNotNull()).count());
    }

    /** What Spark's progress and UI call the job that computes a row job's rows. */
    static String description(String job, long rows) {
        return "dualsparse " + job + ": " + rows + " rows";
    }

    /** The rows that failed, by id. */
    public Dataset<Row> errors() {
        return rows.filter(col("error").isNotNull()).select("id", "error").orderBy("id");
    }
}
