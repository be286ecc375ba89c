package org.dualsparse.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.dualsparse.eval.EvalDataException;
import org.dualsparse.eval.MultipleChoiceFile;
import org.dualsparse.eval.TextDocuments;

/** Evaluation task files of any bytes: a multiple-choice JSONL file, and a text of documents. */
class TaskFileFuzzTest {

    @FuzzTest(maxDuration = "5s")
    void readsOrRefusesTheTasks(byte[] bytes) {
        Path dir = Scratch.folder("tasks");
        Path items = Scratch.write(dir, "items.jsonl", bytes);
        Refusals.onlyTyped(items, () -> MultipleChoiceFile.read(items), EvalDataException.class);
        Path documents = Scratch.write(dir, "documents.txt", bytes);
        Refusals.onlyTyped(documents, () -> TextDocuments.read(documents), EvalDataException.class);
    }
}
