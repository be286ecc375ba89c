package org.dualsparse.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** The checkpoint holds tensors the model does not use, a sign that it belongs to another architecture. */
public class UnexpectedTensorException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    private static final int NAMES_IN_MESSAGE = 10;

    private final List<String> tensorNames;

    public UnexpectedTensorException(Path checkpoint, List<String> tensorNames) {
        super(checkpoint, describe(tensorNames));
        this.tensorNames = List.copyOf(tensorNames);
    }

    public List<String> tensorNames() {
        return tensorNames;
    }

    private static String describe(List<String> names) {
        String listed = names.stream().limit(NAMES_IN_MESSAGE).collect(Collectors.joining(", "));
        String more = names.size() > NAMES_IN_MESSAGE ? " and " + (names.size() - NAMES_IN_MESSAGE) + " more" : "";
        return names.size() + " tensor(s) the model does not use: " + listed + more;
    }
}
