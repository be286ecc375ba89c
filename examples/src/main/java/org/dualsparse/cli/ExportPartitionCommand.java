package org.dualsparse.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.export.CompletePartitionExporter;
import org.dualsparse.dualsparse.partition.Reconstruction;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** Writes a checkpoint whose experts are completely partitioned: E·P experts, top-K·P. */
@Command(name = "export-partition", mixinStandardHelpOptions = true,
        description = "Split every routed expert into P sub-experts and write the result as an ordinary HF checkpoint"
                + " of the same family (E·P experts, top-K·P) that computes the same logits.")
final class ExportPartitionCommand implements Callable<Integer> {

    /** The reconstructions that need nothing but the checkpoint, by their {@link DualSparseSettings#RECONSTRUCTIONS} names. */
    static final class ReconstructionConverter implements ITypeConverter<Reconstruction> {
        @Override
        public Reconstruction convert(String value) {
            Reconstruction reconstruction = DualSparseSettings.RECONSTRUCTIONS.get(value.toLowerCase(Locale.ROOT));
            if (reconstruction == null || reconstruction == Reconstruction.PROFILE) {
                throw new TypeConversionException("'" + value + "' is not one of: none, weight");
            }
            return reconstruction;
        }
    }

    @Option(names = "--model", required = true, description = "Model folder: config.json + *.safetensors.")
    Path model;

    @Option(names = "--partition", required = true, description = "Sub-experts per expert, P.")
    int parts;

    // Unlike a run (DualSparseSettings.DEFAULT_RECONSTRUCTION, weight), an export keeps the checkpoint's neuron order
    // unless asked: sub-expert p is then neurons p·I/P … of the original expert, which the golden export fixtures
    // (tools/golden, `export-partition --partition 2`) were written from and transformers' parity is checked against.
    @Option(names = "--reconstruct", defaultValue = "none", converter = ReconstructionConverter.class,
            description = "Neuron order before splitting: none (the checkpoint's) or weight (‖W1ⁿ‖·‖W3ⁿ‖·‖W2ⁿ‖,"
                    + " most important first). Default: ${DEFAULT-VALUE}.")
    Reconstruction reconstruction;

    @Option(names = "--out", required = true, description = "Folder to create (or an empty one).")
    Path out;

    @Override
    public Integer call() {
        CompletePartitionExporter.RoutedExperts experts =
                CompletePartitionExporter.export(model, out, parts, reconstruction, null);
        System.out.printf("wrote %s: %d experts of width %d, %d per token%n",
                out, experts.numExperts(), experts.intermediateSize(), experts.topK());
        return 0;
    }
}
