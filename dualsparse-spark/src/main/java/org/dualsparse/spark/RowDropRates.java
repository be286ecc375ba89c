package org.dualsparse.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import java.util.Arrays;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.dualsparse.dualsparse.runtime.DropStats;
import org.dualsparse.dualsparse.runtime.DualSparseRuntime;
import org.dualsparse.dualsparse.runtime.StatsWindow;

/**
 * The realised drop rates of one row's forward passes, counted on the task's own thread while
 * other tasks share the model ({@link DualSparseRuntime#measuringThisThread}), and the dense work
 * they are rates of, so that rows add up: a job's rate is {@code Σ rate·dense / Σ dense}. Null
 * columns for a model without DualSparse.
 */
final class RowDropRates implements AutoCloseable {

    static final String DECISION = "decision_drop_rate";
    static final String SKIPPED_WORK = "skipped_work_rate";
    static final String DENSE = "dense_neurons";

    private final StatsWindow window;

    private RowDropRates(StatsWindow window) {
        this.window = window;
    }

    /** Starts counting this thread's passes, when the model runs DualSparse. */
    static RowDropRates measure(Optional<DualSparseRuntime> dualSparse) {
        return new RowDropRates(dualSparse.map(DualSparseRuntime::measuringThisThread).orElse(null));
    }

    /** The three columns: decision and skipped-work drop rates, and dense expert-neuron computations. */
    static StructType addColumns(StructType schema) {
        return schema.add(DECISION, DataTypes.DoubleType).add(SKIPPED_WORK, DataTypes.DoubleType).add(DENSE, DataTypes.DoubleType);
    }

    /**
     * {@code own} aggregates of a job's rows, followed by the three sums its drop rates come from
     * (Σ rate·dense for both rates, then Σ dense), for one {@code select} over the rows.
     */
    static Column[] withSums(Column... own) {
        Column[] all = Arrays.copyOf(own, own.length + 3);
        all[own.length] = sum(col(DECISION).multiply(col(DENSE)));
        all[own.length + 1] = sum(col(SKIPPED_WORK).multiply(col(DENSE)));
        all[own.length + 2] = sum(DENSE);
        return all;
    }

    /**
     * The job's decision and skipped-work drop rates from the sums of {@link #withSums} starting at
     * column {@code first} of {@code sums}; NaN for both without DualSparse.
     */
    static double[] ofJob(Row sums, int first) {
        double dense = sums.isNullAt(first + 2) ? 0 : sums.getDouble(first + 2);
        if (dense == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {sums.getDouble(first) / dense, sums.getDouble(first + 1) / dense};
    }

    /** The three column values so far; nulls without DualSparse. */
    Object[] values() {
        if (window == null) {
            return new Object[] {null, null, null};
        }
        DropStats.Work work = window.stats().work();
        return new Object[] {work.rates().decision(), work.rates().skippedWork(), work.dense()};
    }

    @Override
    public void close() {
        if (window != null) {
            window.close();
        }
    }
}
