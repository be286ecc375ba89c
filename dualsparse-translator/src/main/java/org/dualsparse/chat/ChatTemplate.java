package org.dualsparse.chat;

import com.google.gson.JsonElement;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.dualsparse.config.HfConfig;
import org.dualsparse.tokenizer.SpecialTokens;

/**
 * A model's own Jinja chat template, rendered as HF {@code apply_chat_template} does: Jinja with
 * {@code trim_blocks} and {@code lstrip_blocks}, the variables {@code messages}, {@code
 * add_generation_prompt} and the special tokens ({@code bos_token}, {@code eos_token}, ...), and
 * {@code raise_exception(message)} to refuse a conversation.
 *
 * <p>Rendering is done by Jinjava set up as {@link ChatTemplateEngine} describes; the real templates
 * of the families we load render byte-identical to transformers (ChatTemplateRenderingTest). A
 * construct the engine does not know fails with a {@link ChatTemplateException} naming it.
 * Instances are thread-safe.
 */
public final class ChatTemplate {

    private static final ChatTemplateEngine JINJA = new ChatTemplateEngine();

    private final String source;
    private final String origin;
    private final SpecialTokens specialTokens;

    private ChatTemplate(String source, String origin, SpecialTokens specialTokens) {
        this.source = source;
        this.origin = origin;
        this.specialTokens = specialTokens;
    }

    /** A template given as text, e.g. to override the model's. */
    public static ChatTemplate of(String source, SpecialTokens specialTokens) {
        return new ChatTemplate(source, "the given template", specialTokens);
    }

    /**
     * The template of a model folder: {@code chat_template.jinja} if present, else {@code
     * chat_template} in {@code tokenizer_config.json} (a string, or a list of named templates of
     * which the {@code default} one is used).
     *
     * @throws NoChatTemplateException when the model has neither
     */
    public static ChatTemplate load(Path modelDir, SpecialTokens specialTokens) {
        Path jinjaFile = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinjaFile)) {
            try {
                return new ChatTemplate(Files.readString(jinjaFile, StandardCharsets.UTF_8), jinjaFile.toString(), specialTokens);
            } catch (IOException e) {
                throw new ChatTemplateException("cannot read " + jinjaFile + ": " + e.getMessage(), e);
            }
        }
        Path configFile = modelDir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(configFile)) {
            HfConfig config = HfConfig.read(configFile);
            if (config.has("chat_template")) {
                return new ChatTemplate(templateText(config), configFile + " chat_template", specialTokens);
            }
        }
        throw new NoChatTemplateException(
                modelDir + " has no chat template (neither chat_template.jinja nor chat_template in"
                        + " tokenizer_config.json): it is a base model; prompt it with plain text instead");
    }

    /**
     * The prompt text for {@code messages}; with {@code addGenerationPrompt} it ends with the
     * opening of an assistant turn, ready for the model to answer.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (messages.isEmpty()) {
            throw new ChatTemplateException("a conversation needs at least one message");
        }
        Map<String, Object> variables = new HashMap<>(specialTokens.templateVariables());
        variables.put("messages", messages.stream().map(ChatMessage::asTemplateValue).toList());
        variables.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result = RenderBudget.during(messages.size(), () -> JINJA.renderForResult(source, variables));
        // An exception inside the template (a recursion past the limit) is only a warning to Jinjava,
        // which renders on without the failed part; Jinja2 raises it.
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL || e.getReason() == TemplateError.ErrorReason.EXCEPTION)
                .toList();
        if (!fatal.isEmpty()) {
            throw failure(fatal);
        }
        return result.getOutput();
    }

    /** Called by templates as {@code raise_exception(message)}. */
    public static String raiseException(String message) {
        throw new TemplateRaisedException(message);
    }

    private ChatTemplateException failure(List<TemplateError> errors) {
        for (TemplateError error : errors) {
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof TemplateRaisedException raised) {
                    return new ChatTemplateException(origin + " refused the conversation: " + raised.getMessage());
                }
            }
        }
        String messages = errors.stream()
                .map(e -> "line " + e.getLineno() + ": " + e.getMessage())
                .collect(Collectors.joining("; "));
        return new ChatTemplateException("cannot render " + origin + ": " + messages);
    }

    private static String templateText(HfConfig config) {
        JsonElement value = config.json().get("chat_template");
        if (value.isJsonPrimitive()) {
            return value.getAsString();
        }
        if (value.isJsonArray()) {
            for (JsonElement named : value.getAsJsonArray()) {
                if (!named.isJsonObject()) {
                    throw config.invalid("chat_template", "a template string or a list of {\"name\", \"template\"} objects");
                }
                HfConfig entry = new HfConfig(named.getAsJsonObject(), config.source() + " chat_template");
                if ("default".equals(entry.stringOr("name", null))) {
                    return entry.stringOr("template", "");
                }
            }
        }
        throw config.invalid("chat_template", "a template string or a list holding a \"default\" template");
    }

    /** What {@code raise_exception} throws through Jinjava, to be told apart from template bugs. */
    private static final class TemplateRaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TemplateRaisedException(String message) {
            super(message);
        }
    }
}
