package org.dualsparse.dualsparse.export;

/**
 * A complete-partition export that cannot be done exactly, or at all, for this model or output
 * folder. The message names the file, config key or tensor and the offending value.
 */
public class PartitionRefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the export was refused. */
    public enum Reason {
        /** The number of parts is below 1, or makes the expert count overflow. */
        INVALID_PARTS,
        /** The experts' width is not a multiple of the number of parts. */
        INDIVISIBLE_WIDTH,
        /** The output folder is the model folder, is not empty, or is not a folder. */
        UNUSABLE_OUTPUT,
        /** The model's family does not declare where its routed experts live. */
        LAYOUT_NOT_DECLARED,
        /** The router does not give P copies of an expert exactly its score divided by P. */
        ROUTER_NOT_SPLITTABLE,
        /** Multiplying the down projections by P would round or overflow in their dtype. */
        INEXACT_IN_DTYPE,
        /** The config's {@code auto_map} names remote-code files that are not in the model folder. */
        MISSING_REMOTE_CODE
    }

    private final Reason reason;

    public PartitionRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
