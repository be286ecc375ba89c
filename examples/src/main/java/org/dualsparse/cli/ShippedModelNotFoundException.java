package org.dualsparse.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** No {@code --model} was given and the shipped model is in none of the places looked in. */
final class ShippedModelNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<Path> looked;

    ShippedModelNotFoundException(List<Path> looked) {
        super("no --model given and the shipped model (a folder " + ShippedModel.DIR + " with config.json) is in none of: "
                + looked.stream().map(Path::toString).collect(Collectors.joining(", "))
                + "; pass --model DIR, a model folder with config.json and *.safetensors");
        this.looked = List.copyOf(looked);
    }

    /** Every folder looked in, in order. */
    List<Path> looked() {
        return looked;
    }
}
