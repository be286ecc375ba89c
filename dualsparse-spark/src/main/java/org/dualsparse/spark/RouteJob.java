package org.dualsparse.spark;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.dualsparse.dualsparse.calibration.CalibrationProfile;
import org.dualsparse.dualsparse.calibration.CalibrationTally;
import org.dualsparse.dualsparse.calibration.Calibrator;
import org.dualsparse.dualsparse.calibration.ImportanceMetric;
import org.dualsparse.dualsparse.parallel.LayerRouting;
import org.dualsparse.dualsparse.parallel.RoutingRecorder;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.moe.Routing;

/**
 * Documents → one calibration profile and one routing trace. The documents are split into
 * ranges of ids, one per partition; each task calibrates its range on the executor's model
 * (undropped, as {@code calibrate} measures it) into a {@link CalibrationTally} and, when asked,
 * records its routings; the driver adds the tallies and joins the routings in id order. The
 * profile is the one {@code calibrate} measures on the same documents (the same histograms, so
 * the same thresholds), and the trace the one {@code ep-sim --trace-out} records.
 */
public final class RouteJob {

    private RouteJob() {}

    /**
     * What the job measured.
     *
     * @param trace every forward pass's routing per MoE layer, in document order; empty unless asked for
     * @param documents documents calibrated on
     * @param tokens calibration tokens
     * @param errors the rows that could not be used
     */
    public record Result(CalibrationProfile profile, List<LayerRouting> trace, long documents, long tokens, List<RowError> errors) {}

    /**
     * Calibrates on every row of {@code documents} (columns {@code id} long, {@code text} string).
     *
     * @param partitions how many id ranges to split the documents into
     * @param seqLen the longest forward pass, or null for 512 (or the model's maximum, if less)
     * @param trace whether to record the routing trace too (it is collected on the driver)
     * @throws RowCountException when documents were lost or repeated
     * @throws IllegalArgumentException when no document has a token, or {@code partitions} is not positive
     */
    public static Result run(Dataset<Row> documents, Broadcast<ModelSpec> model, ImportanceMetric metric, int partitions,
            Integer seqLen, boolean trace) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be positive, got " + partitions);
        }
        Dataset<Row> input = JobInput.select(documents, "text");
        long rowsIn = input.count();
        List<PartitionRouting> parts = input.repartitionByRange(partitions, col("id")).sortWithinPartitions("id")
                .javaRDD().mapPartitions(new Task(model, metric, seqLen, trace)).collect();
        List<PartitionRouting> ordered = parts.stream().filter(p -> p.documents + p.errors.size() > 0)
                .sorted(Comparator.comparingLong(p -> p.firstId)).toList();
        CalibrationTally total = null;
        List<LayerRouting> routings = new ArrayList<>();
        List<RowError> errors = new ArrayList<>();
        long used = 0;
        for (PartitionRouting part : ordered) {
            if (part.tally != null) {
                total = total == null ? part.tally : total.plus(part.tally);
            }
            part.batches.forEach(b -> routings.add(b.layerRouting()));
            errors.addAll(part.errors);
            used += part.documents;
        }
        if (used + errors.size() != rowsIn) {
            throw new RowCountException("calibrate", rowsIn, used + errors.size(), used + errors.size());
        }
        if (total == null) {
            throw new IllegalArgumentException("no document has a token to calibrate on (" + rowsIn + " rows, "
                    + errors.size() + " failed)");
        }
        return new Result(total.profile(), routings, used, total.tokens(), errors);
    }

    /** What one task measured on its range of documents. */
    static final class PartitionRouting implements Serializable {

        private static final long serialVersionUID = 1L;

        long firstId = Long.MAX_VALUE;
        long documents;
        CalibrationTally tally;
        final List<TracedBatch> batches = new ArrayList<>();
        final List<RowError> errors = new ArrayList<>();
    }

    /** One batch of a routing trace, in a form that travels to the driver. */
    record TracedBatch(int layer, int tokens, int topK, long[] experts, float[] weights) implements Serializable {

        static TracedBatch of(LayerRouting batch) {
            Routing r = batch.routing();
            return new TracedBatch(batch.layer(), r.numTokens(), r.topK(), r.experts(), r.hostWeights());
        }

        LayerRouting layerRouting() {
            return new LayerRouting(layer, new Routing(null, null, experts, weights, tokens, topK));
        }
    }

    private static final class Task implements FlatMapFunction<Iterator<Row>, PartitionRouting> {

        private static final long serialVersionUID = 1L;
        private static final int DEFAULT_SEQ_LEN = 512;

        private final Broadcast<ModelSpec> model;
        private final ImportanceMetric metric;
        private final Integer seqLen;
        private final boolean trace;

        Task(Broadcast<ModelSpec> model, ImportanceMetric metric, Integer seqLen, boolean trace) {
            this.model = model;
            this.metric = metric;
            this.seqLen = seqLen;
            this.trace = trace;
        }

        @Override
        public Iterator<PartitionRouting> call(Iterator<Row> rows) {
            PartitionRouting part = new PartitionRouting();
            if (!rows.hasNext()) {
                return List.of(part).iterator();
            }
            ExecutorModel executor = ExecutorModel.of(model.value());
            List<long[]> sequences = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                long id = row.getLong(0);
                part.firstId = Math.min(part.firstId, id);
                if (row.isNullAt(1)) {
                    part.errors.add(new RowError(id, "row " + id + " has no text"));
                    continue;
                }
                long[] ids = executor.tokenizer().encode(row.getString(1), true);
                part.documents++;
                if (ids.length > 0) {
                    sequences.add(ids);
                }
            }
            if (!sequences.isEmpty()) {
                MoeLanguageModel lm = executor.languageModel();
                int length = seqLen != null ? seqLen : Math.min(DEFAULT_SEQ_LEN, lm.config().decoder().maxPositions());
                RoutingRecorder recorder = trace ? new RoutingRecorder() : null;
                part.tally = Calibrator.attach(lm).tally(sequences, metric, length, null, recorder);
                if (recorder != null) {
                    recorder.batches().forEach(b -> part.batches.add(TracedBatch.of(b)));
                }
            }
            return List.of(part).iterator();
        }
    }
}
