package org.dualsparse.examples;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import org.dualsparse.chat.ChatMessage;
import org.dualsparse.generate.Generation;
import org.dualsparse.translate.ChatRequest;
import org.dualsparse.zoo.MoeCriteria;

/** A chat reply through the model's own template, printed as it streams: {@code StreamChat MODEL_DIR "Hi!"}. */
public final class StreamChat {

    public static void main(String[] args) throws Exception {
        Criteria<ChatRequest, Generation> criteria = MoeCriteria.builder()
                .setTypes(ChatRequest.class, Generation.class)
                .optModelPath(Path.of(args[0]))
                .build();
        try (ZooModel<ChatRequest, Generation> model = criteria.loadModel();
                Predictor<ChatRequest, Generation> predictor = model.newPredictor()) {
            ChatRequest request = ChatRequest.of(ChatMessage.system("You are concise."), ChatMessage.user(args[1]))
                    .withOptions(options -> options.maxNewTokens(128).temperature(0.7).topP(0.9).seed(1))
                    .streamingTo(System.out::print);
            Generation reply = predictor.predict(request);
            System.out.printf("%n[%s, %.1f tokens/s]%n", reply.finishReason(), reply.timing().decodeTokensPerSecond());
        }
    }
}
