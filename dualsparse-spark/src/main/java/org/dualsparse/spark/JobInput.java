package org.dualsparse.spark;

import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/** Checks the columns a job reads: a long {@code id} and a string text column. */
final class JobInput {

    private JobInput() {}

    /**
     * {@code rows} reduced to {@code id} and {@code textColumn}.
     *
     * @throws IllegalArgumentException naming the column that is missing or of the wrong type
     */
    static Dataset<Row> select(Dataset<Row> rows, String textColumn) {
        require(rows, "id", DataTypes.LongType);
        require(rows, textColumn, DataTypes.StringType);
        return rows.select("id", textColumn);
    }

    private static void require(Dataset<Row> rows, String column, DataType type) {
        StructField field = Arrays.stream(rows.schema().fields()).filter(f -> f.name().equals(column)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the input has no column \"" + column + "\" (columns: "
                        + String.join(", ", rows.columns()) + ")"));
        if (!field.dataType().equals(type)) {
            throw new IllegalArgumentException("input column \"" + column + "\" is " + field.dataType().simpleString()
                    + ", not " + type.simpleString());
        }
    }
}
