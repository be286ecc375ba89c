package org.dualsparse.examples;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import java.util.List;
import org.dualsparse.eval.Loglikelihood;
import org.dualsparse.eval.LoglikelihoodRequest;
import org.dualsparse.zoo.MoeCriteria;

/** Multiple choice the lm-evaluation-harness way: the most likely continuation wins. */
public final class ScoreContinuations {

    public static void main(String[] args) throws Exception {
        Criteria<LoglikelihoodRequest, Loglikelihood> criteria = MoeCriteria.builder()
                .setTypes(LoglikelihoodRequest.class, Loglikelihood.class)
                .optModelPath(Path.of(args[0]))
                .build();
        List<LoglikelihoodRequest> choices = List.of(
                new LoglikelihoodRequest("The capital of France is", " Paris"), new LoglikelihoodRequest("The capital of France is", " Berlin"));
        try (ZooModel<LoglikelihoodRequest, Loglikelihood> model = criteria.loadModel();
                Predictor<LoglikelihoodRequest, Loglikelihood> predictor = model.newPredictor()) {
            List<Loglikelihood> scores = predictor.batchPredict(choices);
            for (int i = 0; i < choices.size(); i++) {
                System.out.printf("%-8s logprob %.3f greedy %b%n", choices.get(i).continuation(), scores.get(i).logprob(), scores.get(i).greedy());
            }
        }
    }
}
