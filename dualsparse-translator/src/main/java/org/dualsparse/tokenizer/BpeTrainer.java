package org.dualsparse.tokenizer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dualsparse.files.AtomicFile;

/**
 * Trains a GPT-2-style byte-level BPE tokenizer on a text and writes it as a HuggingFace {@code
 * tokenizer.json}: text is split with GPT-2's pre-tokenisation pattern, each piece mapped to
 * byte symbols, and the most frequent adjacent pair is merged until the vocabulary is full (ties
 * broken by the pair's text, so training is deterministic). Every byte is in the vocabulary, so
 * any text encodes without an unknown token.
 */
public final class BpeTrainer {

    /** GPT-2's split pattern, the one HF's {@code ByteLevel} pre-tokenizer uses. */
    private static final Pattern PIECES = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

    private final int vocabSize;
    private final List<String> specialTokens;

    /**
     * @param vocabSize total vocabulary, special tokens and the 256 bytes included
     * @param specialTokens added first, with ids 0, 1, …
     */
    public BpeTrainer(int vocabSize, List<String> specialTokens) {
        if (vocabSize < 256 + specialTokens.size()) {
            throw new IllegalArgumentException(
                    "vocabulary size " + vocabSize + " cannot hold the 256 bytes and " + specialTokens.size() + " special tokens");
        }
        this.vocabSize = vocabSize;
        this.specialTokens = List.copyOf(specialTokens);
    }

    /** A trained vocabulary (token → id, in id order) and its merges, in merge order. */
    public record Trained(Map<String, Integer> vocab, List<String[]> merges, List<String> specialTokens) {

        /** Writes {@code tokenizer.json} into {@code dir}. */
        public void write(Path dir) {
            JsonObject root = new JsonObject();
            root.addProperty("version", "1.0");
            root.add("truncation", JsonNull.INSTANCE);
            root.add("padding", JsonNull.INSTANCE);
            JsonArray added = new JsonArray();
            for (String token : specialTokens) {
                JsonObject t = new JsonObject();
                t.addProperty("id", vocab.get(token));
                t.addProperty("content", token);
                t.addProperty("single_word", false);
                t.addProperty("lstrip", false);
                t.addProperty("rstrip", false);
                t.addProperty("normalized", false);
                t.addProperty("special", true);
                added.add(t);
            }
            root.add("added_tokens", added);
            root.add("normalizer", JsonNull.INSTANCE);
            root.add("pre_tokenizer", byteLevel(false, true));
            root.add("post_processor", byteLevel(true, false));
            root.add("decoder", byteLevel(true, true));
            JsonObject model = new JsonObject();
            model.addProperty("type", "BPE");
            model.add("dropout", JsonNull.INSTANCE);
            model.add("unk_token", JsonNull.INSTANCE);
            model.add("continuing_subword_prefix", JsonNull.INSTANCE);
            model.add("end_of_word_suffix", JsonNull.INSTANCE);
            model.addProperty("fuse_unk", false);
            model.addProperty("byte_fallback", false);
            model.addProperty("ignore_merges", false);
            JsonObject vocabJson = new JsonObject();
            vocab.forEach(vocabJson::addProperty);
            model.add("vocab", vocabJson);
            JsonArray mergesJson = new JsonArray();
            for (String[] merge : merges) {
                mergesJson.add(merge[0] + " " + merge[1]);
            }
            model.add("merges", mergesJson);
            root.add("model", model);
            try {
                AtomicFile.writeString(dir.resolve("tokenizer.json"),
                        new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root) + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write tokenizer.json to " + dir, e);
            }
        }

        private static JsonObject byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
            JsonObject o = new JsonObject();
            o.addProperty("type", "ByteLevel");
            o.addProperty("add_prefix_space", addPrefixSpace);
            o.addProperty("trim_offsets", trimOffsets);
            o.addProperty("use_regex", true);
            return o;
        }
    }

    /** Learns merges from {@code text}. */
    public Trained train(String text) {
        String[] byteSymbols = byteSymbols();
        Map<String, Integer> wordCounts = new HashMap<>();
        Matcher m = PIECES.matcher(text);
        while (m.find()) {
            wordCounts.merge(m.group(), 1, Integer::sum);
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String token : specialTokens) {
            vocab.put(token, vocab.size());
        }
        List<String> symbols = new ArrayList<>();
        for (String s : byteSymbols) {
            symbols.add(s);
            vocab.putIfAbsent(s, vocab.size());
        }
        // Words as symbol-id sequences, sorted so training does not depend on hash order.
        List<int[]> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (Map.Entry<String, Integer> e : new TreeMap<>(wordCounts).entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] word = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                word[i] = bytes[i] & 0xff;
            }
            words.add(word);
            counts.add(e.getValue());
        }
        List<String[]> merges = new ArrayList<>();
        while (vocab.size() < vocabSize) {
            Map<Long, Long> pairCounts = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] word = words.get(w);
                for (int i = 0; i + 1 < word.length; i++) {
                    pairCounts.merge(((long) word[i] << 32) | word[i + 1], (long) counts.get(w), Long::sum);
                }
            }
            long best = -1;
            long bestCount = 0;
            String bestText = null;
            for (Map.Entry<Long, Long> e : pairCounts.entrySet()) {
                long pair = e.getKey();
                String pairText = symbols.get((int) (pair >>> 32)) + " " + symbols.get((int) pair);
                if (e.getValue() > bestCount || (e.getValue() == bestCount && pairText.compareTo(bestText) < 0)) {
                    best = pair;
                    bestCount = e.getValue();
                    bestText = pairText;
                }
            }
            if (best < 0) {
                break; // every word is a single symbol: nothing left to merge
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            String merged = symbols.get(left) + symbols.get(right);
            int mergedId = symbols.size();
            symbols.add(merged);
            merges.add(new String[] {symbols.get(left), symbols.get(right)});
            vocab.putIfAbsent(merged, vocab.size());
            for (int w = 0; w < words.size(); w++) {
                words.set(w, merge(words.get(w), left, right, mergedId));
            }
        }
        return new Trained(vocab, merges, specialTokens);
    }

    private static int[] merge(int[] word, int left, int right, int merged) {
        int n = 0;
        int[] out = null;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                if (out == null) {
                    out = new int[word.length - 1];
                    System.arraycopy(word, 0, out, 0, i);
                    n = i;
                }
                out[n++] = merged;
                i++;
            } else if (out != null) {
                out[n++] = word[i];
            }
        }
        return out == null ? word : Arrays.copyOf(out, n);
    }

    /** GPT-2's printable stand-in for each byte value, indexed by the byte. */
    static String[] byteSymbols() {
        String[] symbols = new String[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            symbols[b] = String.valueOf((char) (printable ? b : 256 + next++));
        }
        return symbols;
    }
}
