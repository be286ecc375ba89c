package org.dualsparse.dualsparse.export;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.dualsparse.checkpoint.Checkpoint;
import org.dualsparse.checkpoint.DType;
import org.dualsparse.checkpoint.SafetensorsWriter.EncodedTensor;
import org.dualsparse.checkpoint.SafetensorsWriter.Shard;
import org.dualsparse.checkpoint.ShapeMismatchException;
import org.dualsparse.checkpoint.TensorInfo;
import org.dualsparse.checkpoint.UnexpectedTensorException;
import org.dualsparse.dualsparse.export.CompletePartitionExporter.RoutedExperts;
import org.dualsparse.dualsparse.export.PartitionRefusedException.Reason;
import org.dualsparse.dualsparse.partition.ExpertPartitioner;
import org.dualsparse.dualsparse.partition.NeuronOrder;
import org.dualsparse.model.family.ExpertLayout;
import org.dualsparse.moe.ExpertWeights;

/**
 * The tensors of a checkpoint whose routed experts are completely partitioned, each produced
 * only when the writer reaches it and kept in the file its source came from. Expert {@code e} of
 * a MoE layer becomes experts {@code e·P … e·P+P−1}: sub-expert {@code p} keeps neurons {@code
 * p·I/P … (p+1)·I/P − 1} of the neuron order as rows of W1 and W3 and columns of W2, its W2
 * multiplied by P, and the router's row {@code e} is repeated for each. Rows are copied as stored
 * bytes; W2, which is scaled, goes through float32 and back to its dtype. Every other tensor is
 * copied byte for byte.
 */
final class PartitionedCheckpoint {

    private final Checkpoint checkpoint;
    private final ExpertLayout layout;
    private final RoutedExperts experts;
    private final int hiddenSize;
    private final int parts;
    private final NeuronOrder order;
    /** The tensors that replace each router and expert projection, by the source's name. */
    private final Map<String, List<EncodedTensor>> replacements = new HashMap<>();

    /** The float32 values of the down projection read last: its P sub-experts are cut one after another. */
    private String lastDownName;
    private FloatBuffer lastDown;

    /**
     * Checks the router and expert tensors of {@code moeLayers} against {@code experts} and
     * {@code hiddenSize}, and that those layers hold no other expert tensor.
     *
     * @param order the neuron order of the sub-experts, or null for the checkpoint's
     * @throws org.dualsparse.checkpoint.MissingTensorException if a router or projection is missing
     * @throws ShapeMismatchException if one has the wrong shape
     * @throws UnexpectedTensorException if a MoE layer holds an expert tensor beyond them
     * @throws PartitionRefusedException if a down projection's dtype cannot be scaled by {@code parts} exactly
     */
    PartitionedCheckpoint(Checkpoint checkpoint, ExpertLayout layout, List<Integer> moeLayers, RoutedExperts experts,
            int hiddenSize, int parts, NeuronOrder order) {
        this.checkpoint = checkpoint;
        this.layout = layout;
        this.experts = experts;
        this.hiddenSize = hiddenSize;
        this.parts = parts;
        this.order = order;
        moeLayers.forEach(this::partitionLayer);
        requireNoOtherExpertTensors(moeLayers);
    }

    /** One output file per input file, named alike, holding the tensors derived from that file's in name order. */
    List<Shard> shards() {
        Map<String, List<EncodedTensor>> files = new LinkedHashMap<>();
        for (String name : checkpoint.names()) {
            TensorInfo info = checkpoint.info(name);
            List<EncodedTensor> file = files.computeIfAbsent(info.file().getFileName().toString(), f -> new ArrayList<>());
            if (replacements.containsKey(name)) {
                file.addAll(replacements.get(name));
            } else {
                file.add(new EncodedTensor(name, info.dtype(), info.shape(), () -> checkpoint.rawBytes(name)));
            }
        }
        return files.entrySet().stream().map(file -> new Shard(file.getKey(), file.getValue())).toList();
    }

    private void partitionLayer(int layer) {
        partitionRouter(layer);
        for (int expert = 0; expert < experts.numExperts(); expert++) {
            partitionExpert(layer, expert);
        }
    }

    /** Row {@code e} of the router, once for each sub-expert of expert {@code e}. */
    private void partitionRouter(int layer) {
        String router = layout.routerName(layer);
        DType dtype = checked(router, experts.numExperts(), hiddenSize).dtype();
        int[] rowOfCopy = IntStream.range(0, experts.numExperts() * parts).map(copy -> copy / parts).toArray();
        replacements.put(router, List.of(new EncodedTensor(
                router, dtype, new long[] {rowOfCopy.length, hiddenSize}, () -> rows(router, rowOfCopy))));
    }

    private void partitionExpert(int layer, int expert) {
        int neurons = experts.intermediateSize();
        int width = neurons / parts;
        ExpertWeights.Names projections = layout.projections();
        for (String projection : List.of(projections.gate(), projections.up())) {
            String name = layout.projectionName(layer, expert, projection);
            DType dtype = checked(name, neurons, hiddenSize).dtype();
            replacements.put(name, subExperts(layer, expert, projection, dtype, new long[] {width, hiddenSize},
                    kept -> rows(name, kept)));
        }
        String down = layout.projectionName(layer, expert, projections.down());
        DType dtype = checked(down, hiddenSize, neurons).dtype();
        requireExactScaling(down, dtype);
        replacements.put(down, subExperts(layer, expert, projections.down(), dtype, new long[] {hiddenSize, width},
                kept -> scaledColumns(down, dtype, kept)));
    }

    /** How one sub-expert's projection is cut from its expert's, given the neurons it keeps, in order. */
    @FunctionalInterface
    private interface Cut {
        ByteBuffer bytes(int[] keptNeurons);
    }

    private List<EncodedTensor> subExperts(int layer, int expert, String projection, DType dtype, long[] shape, Cut cut) {
        int width = experts.intermediateSize() / parts;
        List<EncodedTensor> subExperts = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            int part = p;
            subExperts.add(new EncodedTensor(layout.projectionName(layer, expert * parts + part, projection), dtype, shape, () -> {
                int[] neurons = ExpertPartitioner.permutation(order, layer, expert, experts.intermediateSize());
                return cut.bytes(Arrays.copyOfRange(neurons, part * width, (part + 1) * width));
            }));
        }
        return subExperts;
    }

    /** Rows {@code rows} of the row-major matrix {@code name}, in that order, as stored. */
    private ByteBuffer rows(String name, int[] rows) {
        TensorInfo info = checkpoint.info(name);
        int rowBytes = Math.toIntExact(info.byteLength() / info.shape()[0]);
        ByteBuffer stored = checkpoint.rawBytes(name);
        ByteBuffer gathered = ByteBuffer.allocate(Math.multiplyExact(rows.length, rowBytes));
        for (int row : rows) {
            gathered.put(stored.slice(row * rowBytes, rowBytes));
        }
        return gathered.flip();
    }

    /** Columns {@code columns} of the {@code [d, I]} down projection {@code name}, times P, in {@code dtype}. */
    private ByteBuffer scaledColumns(String name, DType dtype, int[] columns) {
        FloatBuffer down = downValues(name);
        int neurons = experts.intermediateSize();
        float[] scaled = new float[hiddenSize * columns.length];
        for (int i = 0; i < hiddenSize; i++) {
            for (int c = 0; c < columns.length; c++) {
                float weight = down.get(i * neurons + columns[c]);
                float product = weight * parts;
                if (Float.isFinite(weight) && Float.isInfinite(dtype.round(product))) {
                    throw new PartitionRefusedException(Reason.INEXACT_IN_DTYPE, checkpoint.directory() + ": tensor '" + name
                            + "' holds " + weight + ", which overflows " + dtype + " when multiplied by " + parts);
                }
                scaled[i * columns.length + c] = product;
            }
        }
        return dtype.encode(scaled);
    }

    private FloatBuffer downValues(String name) {
        if (!name.equals(lastDownName)) {
            lastDown = checkpoint.float32(name).asFloatBuffer();
            lastDownName = name;
        }
        return lastDown;
    }

    /** Multiplying by a power of two only shifts the exponent; any other factor rounds a 16-bit mantissa. */
    private void requireExactScaling(String name, DType dtype) {
        if (dtype != DType.F32 && Integer.bitCount(parts) != 1) {
            throw new PartitionRefusedException(Reason.INEXACT_IN_DTYPE, checkpoint.directory() + ": tensor '" + name
                    + "' is " + dtype + ", where multiplying by " + parts + " rounds; use a power-of-two number of"
                    + " parts, or an F32 checkpoint");
        }
    }

    private void requireNoOtherExpertTensors(List<Integer> moeLayers) {
        List<String> others = checkpoint.names().stream()
                .filter(name -> !replacements.containsKey(name))
                .filter(name -> moeLayers.stream().anyMatch(layer -> name.startsWith(layout.expertsPrefix(layer))))
                .toList();
        if (!others.isEmpty()) {
            throw new UnexpectedTensorException(checkpoint.directory(), others);
        }
    }

    private TensorInfo checked(String name, long... shape) {
        TensorInfo info = checkpoint.info(name);
        if (!Arrays.equals(info.shape(), shape)) {
            throw new ShapeMismatchException(checkpoint.directory(), name, shape, info.shape());
        }
        return info;
    }
}
