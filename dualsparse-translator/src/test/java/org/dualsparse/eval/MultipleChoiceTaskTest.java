package org.dualsparse.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.testing.TinyModels;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** acc and acc_norm from the scorer's log-likelihoods; malformed items are refused by line and key. */
class MultipleChoiceTaskTest {

    @TempDir
    Path dir;

    @Test
    void accuracyFollowsTheLoglikelihoodsOfTheChoices() throws IOException {
        Path model = TinyModels.qwen(dir.resolve("qwen"));
        Path file = Files.writeString(dir.resolve("task.jsonl"), """
                {"context": "The capital of France is", "choices": [" Paris", " a very long answer indeed", " Rome"], "gold": 0}

                {"context": "Hello", "choices": [" world", " Grüße 中文"], "gold": 1, "id": "extra keys are ignored"}
                {"context": "in a ", "choices": ["world", "word", "the rest of the world"], "gold": 2}
                """);
        List<MultipleChoiceItem> items = MultipleChoiceFile.read(file);
        assertEquals(List.of(1, 3, 4), items.stream().map(MultipleChoiceItem::line).toList());

        try (MoeLanguageModel lm = MoeLanguageModel.load(model); TextTokenizer tokenizer = TextTokenizer.load(model)) {
            LoglikelihoodScorer scorer = new LoglikelihoodScorer(lm, tokenizer);
            int correct = 0;
            int correctNorm = 0;
            for (MultipleChoiceItem item : items) {
                int best = 0;
                int bestNorm = 0;
                double[] logprob = new double[item.choices().size()];
                double[] perChar = new double[logprob.length];
                for (int c = 0; c < logprob.length; c++) {
                    String choice = item.choices().get(c);
                    logprob[c] = scorer.score(List.of(new LoglikelihoodRequest(item.context(), choice))).get(0).logprob();
                    perChar[c] = logprob[c] / choice.codePointCount(0, choice.length());
                    best = logprob[c] > logprob[best] ? c : best;
                    bestNorm = perChar[c] > perChar[bestNorm] ? c : bestNorm;
                }
                correct += best == item.gold() ? 1 : 0;
                correctNorm += bestNorm == item.gold() ? 1 : 0;
            }

            MultipleChoiceTask.Result result = new MultipleChoiceTask(lm, tokenizer).score(items, null);

            assertEquals(3, result.items());
            assertEquals(correct / 3.0, result.acc(), 1e-12);
            assertEquals(correctNorm / 3.0, result.accNorm(), 1e-12);
            assertEquals(Math.sqrt(result.acc() * (1 - result.acc()) / 3), result.accStderr(), 1e-12);
            assertEquals(Math.sqrt(result.accNorm() * (1 - result.accNorm()) / 3), result.accNormStderr(), 1e-12);
            assertFalse(result.dropRates().isPresent());
        }
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"context\": \"a\", \"choices\": [\"b\", \"c\"]}                      | missing key \"gold\"",
        "{\"choices\": [\"b\", \"c\"], \"gold\": 0}                             | missing key \"context\"",
        "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"gold\": 2}         | \"gold\" = 2 is out of range for 2 choices (0 to 1)",
        "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"gold\": -1}        | \"gold\" = -1 is out of range",
        "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"gold\": 0.5}       | \"gold\" must be an integer, got 0.5",
        "{\"context\": \"a\", \"choices\": [\"b\"], \"gold\": 0}                | \"choices\" has 1 entry; an item needs at least 2",
        "{\"context\": \"a\", \"choices\": \"b\", \"gold\": 0}                  | \"choices\" must be an array of strings",
        "{\"context\": \"a\", \"choices\": [\"b\", 3], \"gold\": 0}             | \"choices[1]\" must be a string, got 3",
        "{\"context\": \"a\", \"choices\": [\"b\", \"\"], \"gold\": 0}          | \"choices[1]\" is empty",
        "{\"context\": 1, \"choices\": [\"b\", \"c\"], \"gold\": 0}             | \"context\" must be a string, got 1",
        "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"gold\": 0         | not valid JSON",
        "{context: \"a\", \"choices\": [\"b\", \"c\"], \"gold\": 0}             | not valid JSON",
        "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"gold\": 0} trailing | not valid JSON",
        "[1, 2]                                                                 | expected a JSON object"})
    void aBadLineIsATypedErrorNamingFileLineAndKey(String line, String problem) throws IOException {
        Path file = Files.writeString(dir.resolve("bad.jsonl"),
                "{\"context\": \"ok\", \"choices\": [\"x\", \"y\"], \"gold\": 1}\n\n" + line.strip() + "\n");
        EvalDataException e = assertThrows(EvalDataException.class, () -> MultipleChoiceFile.read(file));
        assertEquals(3, e.line());
        assertEquals(file, e.file());
        String expected = file + ":3: " + problem;
        assertEquals(expected, e.getMessage().substring(0, Math.min(e.getMessage().length(), expected.length())), e.getMessage());
    }

    @Test
    void anEmptyFileHasNoItems() throws IOException {
        Path file = Files.writeString(dir.resolve("empty.jsonl"), "\n\n");
        EvalDataException e = assertThrows(EvalDataException.class, () -> MultipleChoiceFile.read(file));
        assertEquals(file + ": no items: expected one {\"context\", \"choices\", \"gold\"} object per line", e.getMessage());
    }
}
