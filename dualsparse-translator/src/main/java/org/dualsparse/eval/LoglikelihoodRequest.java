package org.dualsparse.eval;

import java.util.Objects;

/** How likely is {@code continuation} after {@code context}: lm-evaluation-harness's {@code loglikelihood} request. */
public record LoglikelihoodRequest(String context, String continuation) {

    public LoglikelihoodRequest {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(continuation, "continuation");
    }
}
