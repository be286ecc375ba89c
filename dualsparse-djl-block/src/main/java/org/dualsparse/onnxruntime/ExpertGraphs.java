package org.dualsparse.onnxruntime;

import org.dualsparse.onnx.Onnx.GraphProto;
import org.dualsparse.onnx.Onnx.ModelProto;
import org.dualsparse.onnxruntime.MatrixGraphs.Product;

/**
 * One SwiGLU expert as one ONNX graph, so that running it on its rows is one ONNX Runtime call.
 * Its whole rows come in as {@value #WHOLE}, its major-only rows as {@value #MAJOR_ONLY} (only when
 * it has minor neurons); the output {@value #OUTPUT} holds the whole rows first:
 *
 * <pre>
 * rows       = concat(x, x_major)
 * y_major    = down_major(swiglu(gate_up_major(rows)))
 * y_minor    = down_minor(swiglu(gate_up_minor(x)))
 * y          = y_major + concat(y_minor, zeros like x_major)
 * </pre>
 *
 * A gate/up product's rows are the gates of its neurons, then their ups, so SwiGLU is a split in
 * two halves. The gate/up products are outputs too ({@value #GATE_UP}, {@value #GATE_UP_MINOR}),
 * computed anyway, for a caller that asks to see the activations.
 */
final class ExpertGraphs {

    static final String WHOLE = MatrixGraphs.INPUT;
    static final String MAJOR_ONLY = "x_major";
    static final String OUTPUT = MatrixGraphs.OUTPUT;
    static final String GATE_UP = "gate_up";
    static final String GATE_UP_MINOR = "gate_up_minor";

    private ExpertGraphs() {}

    /**
     * @param gateUpMajor {@code [2a, d]}: the gates of the major neurons, then their ups
     * @param downMajor {@code [d, a]}
     * @param gateUpMinor {@code [2b, d]} for the minor neurons, or null when every neuron is major
     * @param downMinor {@code [d, b]}, or null with {@code gateUpMinor}
     */
    static ModelProto swiGlu(Product gateUpMajor, Product downMajor, Product gateUpMinor, Product downMinor) {
        long hidden = gateUpMajor.inputs();
        GraphProto.Builder graph = GraphProto.newBuilder()
                .setName("swiglu_expert")
                .addInput(MatrixGraphs.matrixValue(WHOLE, "whole", hidden))
                .addOutput(MatrixGraphs.matrixValue(OUTPUT, "rows", hidden))
                .addOutput(MatrixGraphs.matrixValue(GATE_UP, "rows", gateUpMajor.outputs()));
        if (gateUpMinor == null) {
            halfExpert(graph, WHOLE, gateUpMajor, downMajor, GATE_UP, "", OUTPUT);
            return MatrixGraphs.model(graph.build());
        }
        graph.addInput(MatrixGraphs.matrixValue(MAJOR_ONLY, "major_only", hidden))
                .addOutput(MatrixGraphs.matrixValue(GATE_UP_MINOR, "whole", gateUpMinor.outputs()));
        graph.addNode(MatrixGraphs.node("Concat", new String[] {WHOLE, MAJOR_ONLY}, "rows").toBuilder()
                .addAttribute(MatrixGraphs.intAttribute("axis", 0)));
        halfExpert(graph, "rows", gateUpMajor, downMajor, GATE_UP, "", "y_major");
        halfExpert(graph, WHOLE, gateUpMinor, downMinor, GATE_UP_MINOR, "_minor", "y_minor");
        graph.addNode(MatrixGraphs.node("Shape", new String[] {MAJOR_ONLY}, "major_only_shape"));
        graph.addNode(MatrixGraphs.node("ConstantOfShape", new String[] {"major_only_shape"}, "major_only_zeros"));
        graph.addNode(MatrixGraphs.node("Concat", new String[] {"y_minor", "major_only_zeros"}, "y_minor_rows").toBuilder()
                .addAttribute(MatrixGraphs.intAttribute("axis", 0)));
        graph.addNode(MatrixGraphs.node("Add", new String[] {"y_major", "y_minor_rows"}, OUTPUT));
        return MatrixGraphs.model(graph.build());
    }

    /** {@code output = down(silu(gate) · up)} with {@code [gate; up] = gateUp(input)}, named {@code gateUpOutput}. */
    private static void halfExpert(GraphProto.Builder graph, String input, Product gateUp, Product down,
            String gateUpOutput, String suffix, String output) {
        gateUp.addTo(graph, input, gateUpOutput, "gate_up" + suffix + "_weight");
        String gate = "gate" + suffix;
        String up = "up" + suffix;
        graph.addNode(MatrixGraphs.node("Split", new String[] {gateUpOutput}, gate, up).toBuilder()
                .addAttribute(MatrixGraphs.intAttribute("axis", 1)));
        graph.addNode(MatrixGraphs.node("Sigmoid", new String[] {gate}, gate + "_sigmoid"));
        graph.addNode(MatrixGraphs.node("Mul", new String[] {gate, gate + "_sigmoid"}, gate + "_silu"));
        graph.addNode(MatrixGraphs.node("Mul", new String[] {gate + "_silu", up}, "hidden" + suffix));
        down.addTo(graph, "hidden" + suffix, output, "down" + suffix + "_weight");
    }
}
