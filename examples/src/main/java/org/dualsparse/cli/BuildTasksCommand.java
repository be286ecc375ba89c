package org.dualsparse.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.files.AtomicFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Builds two four-way multiple-choice tasks from held-out text (one line per verse or sentence,
 * blank lines between documents), in the JSONL format {@code eval} reads:
 *
 * <ul>
 *   <li>{@code next-line.jsonl}: the context is a line, the choices are the line that follows it
 *       in the same document and three lines drawn from other documents;
 *   <li>{@code line-ending.jsonl}: the context is the first half of a line (at least 10 words,
 *       cut at the middle word), the choices are its true second half and the second halves of
 *       three other such lines.
 * </ul>
 *
 * The gold position is drawn uniformly, so guessing scores 25%.
 */
@Command(name = "build-tasks", mixinStandardHelpOptions = true,
        description = "Build the next-line and line-ending multiple-choice tasks from held-out text.")
final class BuildTasksCommand implements Callable<Integer> {

    private static final int CHOICES = 4;
    private static final int MIN_WORDS_TO_SPLIT = 10;

    @Option(names = "--text", required = true, description = "Held-out text: one line per item, blank lines between documents.")
    Path text;

    @Option(names = "--out", required = true, description = "Folder for next-line.jsonl and line-ending.jsonl.")
    Path out;

    @Option(names = "--seed", defaultValue = "1") long seed;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(text)) {
            throw new DataFileException(text, "missing held-out text");
        }
        List<List<String>> documents = new ArrayList<>();
        for (String document : TextDocuments.read(text)) {
            documents.add(document.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        }
        if (documents.size() < 2) {
            throw new DataFileException(text, "needs at least two documents (separated by blank lines) to draw distractors from");
        }
        Files.createDirectories(out);
        int nextLine = writeNextLine(documents, new SplittableRandom(seed), out.resolve("next-line.jsonl"));
        int lineEnding = writeLineEnding(documents, new SplittableRandom(seed + 1), out.resolve("line-ending.jsonl"));
        System.out.printf("wrote %d next-line and %d line-ending items to %s%n", nextLine, lineEnding, out);
        return 0;
    }

    private static int writeNextLine(List<List<String>> documents, SplittableRandom random, Path file) throws IOException {
        int count = 0;
        StringWriter w = new StringWriter();
        for (int d = 0; d < documents.size(); d++) {
            List<String> lines = documents.get(d);
            for (int i = 0; i + 1 < lines.size(); i++) {
                List<String> choices = new ArrayList<>();
                while (choices.size() < CHOICES - 1) {
                    int other = random.nextInt(documents.size());
                    if (other != d) {
                        List<String> otherLines = documents.get(other);
                        choices.add(otherLines.get(random.nextInt(otherLines.size())));
                    }
                }
                write(w, lines.get(i) + "\n", choices, lines.get(i + 1), random);
                count++;
            }
        }
        AtomicFile.writeString(file, w.toString());
        return count;
    }

    private static int writeLineEnding(List<List<String>> documents, SplittableRandom random, Path file) throws IOException {
        List<String[]> halves = new ArrayList<>();
        for (List<String> lines : documents) {
            for (String line : lines) {
                String[] words = line.split(" ");
                if (words.length >= MIN_WORDS_TO_SPLIT) {
                    int cut = words.length / 2;
                    halves.add(new String[] {
                        String.join(" ", Arrays.copyOfRange(words, 0, cut)),
                        " " + String.join(" ", Arrays.copyOfRange(words, cut, words.length))});
                }
            }
        }
        StringWriter w = new StringWriter();
        for (int i = 0; i < halves.size(); i++) {
            List<String> choices = new ArrayList<>();
            while (choices.size() < CHOICES - 1) {
                int other = random.nextInt(halves.size());
                if (other != i && !halves.get(other)[1].equals(halves.get(i)[1])) {
                    choices.add(halves.get(other)[1]);
                }
            }
            write(w, halves.get(i)[0], choices, halves.get(i)[1], random);
        }
        AtomicFile.writeString(file, w.toString());
        return halves.size();
    }

    /** One JSONL item: {@code gold} inserted among {@code distractors} at a random position. */
    private static void write(Writer w, String context, List<String> distractors, String gold, SplittableRandom random)
            throws IOException {
        int goldIndex = random.nextInt(CHOICES);
        List<String> choices = new ArrayList<>(distractors);
        choices.add(goldIndex, gold);
        JsonObject item = new JsonObject();
        item.addProperty("context", context);
        JsonArray array = new JsonArray();
        choices.forEach(array::add);
        item.add("choices", array);
        item.addProperty("gold", goldIndex);
        w.write(new Gson().toJson(item));
        w.write('\n');
    }
}
