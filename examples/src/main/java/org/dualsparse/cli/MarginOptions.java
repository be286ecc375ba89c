package org.dualsparse.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dualsparse.dualsparse.DualSparseSettings;
import org.dualsparse.dualsparse.drop.Margin;
import picocli.CommandLine.Option;

/** 2T's margin for commands that take no other DualSparse switch: a fixed {@code δ} or {@code δ = ρ·T}, read as the Criteria arguments. */
final class MarginOptions {

    @Option(names = "--delta", description = "2T's fixed margin δ (default: --relative-delta " + DualSparseSettings.DEFAULT_RELATIVE_DELTA + ").")
    Double delta;

    @Option(names = "--relative-delta", description = "2T's margin as a fraction ρ of the threshold, δ = ρ·T (default "
            + DualSparseSettings.DEFAULT_RELATIVE_DELTA + ").")
    Double relativeDelta;

    /** The margin given, or the default, with the Criteria's checks. */
    Margin margin() {
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("method", DualSparseSettings.Method.TWO_T.id());
        if (delta != null) {
            arguments.put("delta", delta);
        }
        if (relativeDelta != null) {
            arguments.put("relative_delta", relativeDelta);
        }
        return DualSparseSettings.fromArguments(arguments).margin();
    }
}
