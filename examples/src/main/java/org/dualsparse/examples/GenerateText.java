package org.dualsparse.examples;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import org.dualsparse.zoo.MoeCriteria;

/** Text in, text out: {@code GenerateText MODEL_DIR "Once upon a time"}. */
public final class GenerateText {

    public static void main(String[] args) throws Exception {
        Criteria<String, String> criteria = MoeCriteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(Path.of(args[0]))
                .optArgument("max_new_tokens", 64)
                .optArgument("temperature", 0.7)
                .build();
        try (ZooModel<String, String> model = criteria.loadModel();
                Predictor<String, String> predictor = model.newPredictor()) {
            System.out.println(predictor.predict(args[1]));
        }
    }
}
