package org.dualsparse.cli;

import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.ZooModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.dualsparse.chat.ChatMessage;
import org.dualsparse.generate.Generation;
import org.dualsparse.translate.ChatRequest;
import org.dualsparse.zoo.MoeCriteria;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Talks with a chat model through its own chat template, one message or interactively. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat through the model's chat template: one --message, or interactively on stdin (/exit or end of input quits).")
final class ChatCommand implements Callable<Integer> {

    @Option(names = "--model", description = "Model folder with a chat template in tokenizer_config.json or chat_template.jinja." + ShippedModel.DEFAULT)
    Path model;

    @Option(names = "--message", description = "Send this one message, print the reply and exit.")
    String message;

    @Option(names = "--system", description = "A system message to start the conversation with.")
    String system;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    DualSparseOptions dualSparse;

    @Mixin
    BackendOptions backend;

    @Override
    public Integer call() throws Exception {
        model = ShippedModel.orDefault(model);
        List<ChatMessage> conversation = new ArrayList<>();
        if (system != null) {
            conversation.add(ChatMessage.system(system));
        }
        try (ZooModel<ChatRequest, Generation> zoo = dualSparse.addTo(backend.addTo(MoeCriteria.builder()
                        .setTypes(ChatRequest.class, Generation.class)
                        .optModelPath(model)))
                        .build()
                        .loadModel();
                Predictor<ChatRequest, Generation> predictor = zoo.newPredictor()) {
            if (message != null) {
                reply(predictor, conversation, message);
                return 0;
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            System.err.print("> ");
            for (String line = in.readLine(); line != null && !line.strip().equals("/exit"); line = in.readLine()) {
                if (!line.isBlank()) {
                    reply(predictor, conversation, line);
                }
                System.err.print("> ");
            }
        }
        return 0;
    }

    private void reply(Predictor<ChatRequest, Generation> predictor, List<ChatMessage> conversation, String text) throws Exception {
        conversation.add(ChatMessage.user(text));
        Generation reply = predictor.predict(new ChatRequest(conversation, sampling::apply, piece -> {
            System.out.print(piece);
            System.out.flush();
        }));
        System.out.println();
        System.err.println(Speed.of(reply));
        conversation.add(ChatMessage.assistant(reply.text()));
    }
}
