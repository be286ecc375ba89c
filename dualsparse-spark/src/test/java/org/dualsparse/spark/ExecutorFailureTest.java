package org.dualsparse.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.dualsparse.eval.Perplexity;
import org.dualsparse.eval.TextDocuments;
import org.dualsparse.model.MoeLanguageModel;
import org.dualsparse.tokenizer.TextTokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A score job on a cluster of two executor JVMs ({@code local-cluster}, each JVM loading the model
 * itself) survives one executor being killed with SIGKILL mid-job: Spark runs the lost task again
 * on a new executor and every document comes out once, with the perplexity of a single-process
 * run; a row with no text comes out with its error.
 */
@Tag("kernel-insensitive")
class ExecutorFailureTest {

    private static final int CHAPTERS = 8;

    private static SparkSession spark;

    @BeforeAll
    static void startCluster() throws IOException {
        LocalSpark.stop();
        // Executors get the test's class path (there is no Spark distribution) when spark.testing is set;
        // the in-process workers then want a Spark home, which may be empty.
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", Files.createTempDirectory("spark-home").toString());
        spark = SparkSession.builder()
                .master("local-cluster[2,1,1024]")
                .appName("dualsparse-executor-failure")
                .config("spark.ui.enabled", false)
                .config("spark.executorEnv.SPARK_SCALA_VERSION", "2.13")
                .config("spark.executorEnv.SPARK_TESTING", "1")
                .config("spark.executor.memory", "512m")
                .config("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1")
                .getOrCreate();
    }

    @AfterAll
    static void stopCluster() {
        spark.stop();
        System.clearProperty("spark.testing");
        System.clearProperty("spark.test.home");
    }

    @Test
    void aKilledExecutorsTaskRunsAgainAndEveryRowComesOutOnce(@TempDir Path dir) throws Exception {
        List<String> chapters = TextDocuments.read(LocalSpark.HELDOUT).subList(0, CHAPTERS);
        List<String> lines = new ArrayList<>();
        chapters.forEach(c -> lines.add("{\"text\": \"" + c.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"}"));
        lines.add(5, "{\"title\": \"a row without text\"}");
        Path data = dir.resolve("chapters.jsonl");
        Files.write(data, lines, StandardCharsets.UTF_8);

        TaskWatcher watcher = new TaskWatcher();
        spark.sparkContext().addSparkListener(watcher);
        ExecutorService driver = Executors.newSingleThreadExecutor();
        try {
            Future<RowResults> job = driver.submit(() -> ScoreJob.run(JobData.read(spark, data, "text").repartition(4),
                    LocalSpark.broadcast(spark, ModelSpec.of(LocalSpark.MODEL, Map.of())), null));
            String busy = watcher.executorOfALongTask(120_000);
            assertEquals(2, executorProcesses().size(), "executor JVMs");
            ProcessHandle victim = executorProcesses().stream()
                    .filter(p -> commandLine(p).contains("--executor-id\0" + busy + "\0")).findFirst().orElseThrow();
            assertTrue(victim.destroyForcibly());
            victim.onExit().get(30, TimeUnit.SECONDS);

            RowResults results = job.get(300, TimeUnit.SECONDS);
            assertFalse(watcher.lost.isEmpty(), "the kill cost a scoring task");
            assertEquals(CHAPTERS + 1, results.rowsIn());
            assertEquals(1, results.failed());
            List<Row> errors = results.errors().collectAsList();
            assertEquals("row 5 has no text", errors.get(0).getString(1));

            ScoreSummary summary = ScoreSummary.of(results);
            try (MoeLanguageModel lm = MoeLanguageModel.load(LocalSpark.MODEL); TextTokenizer tokenizer = TextTokenizer.load(LocalSpark.MODEL)) {
                Perplexity.Result single = new Perplexity(lm, Perplexity.DEFAULT_WINDOW)
                        .measure(TextDocuments.tokenize(chapters, tokenizer), null);
                assertEquals(single.tokens(), summary.tokens());
                // Other JVMs, the same kernels and thread count: equal to double rounding of the sums.
                assertEquals(single.perplexity(), summary.perplexity(), 1e-9 * single.perplexity());
            }
            results.rows().unpersist();
        } finally {
            driver.shutdownNow();
            spark.sparkContext().removeSparkListener(watcher);
        }
    }

    /** The executor JVMs the in-process workers started: children of this JVM. */
    private static List<ProcessHandle> executorProcesses() {
        return ProcessHandle.current().descendants().filter(p -> commandLine(p).contains("CoarseGrainedExecutorBackend")).toList();
    }

    /** The whole command line: {@code ProcessHandle.Info} cuts it at 4,096 characters, before the class name. */
    private static String commandLine(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    /** Keeps the running tasks of the job that scores, and every task an executor's loss cost. */
    private static final class TaskWatcher extends SparkListener {

        final Set<Integer> scoringStages = ConcurrentHashMap.newKeySet();
        final Map<Long, TaskInfo> running = new ConcurrentHashMap<>();
        final List<String> lost = new CopyOnWriteArrayList<>();

        @Override
        public void onJobStart(SparkListenerJobStart start) {
            String description = start.properties() == null ? null : start.properties().getProperty("spark.job.description");
            if (description != null && description.startsWith("dualsparse score")) {
                start.stageInfos().foreach(stage -> scoringStages.add(stage.stageId()));
            }
        }

        @Override
        public void onTaskStart(SparkListenerTaskStart start) {
            if (scoringStages.contains(start.stageId())) {
                running.put(start.taskInfo().taskId(), start.taskInfo());
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            running.remove(end.taskInfo().taskId());
            if (scoringStages.contains(end.stageId()) && end.reason() instanceof ExecutorLostFailure failure) {
                lost.add(end.taskInfo().index() + ": " + failure.toErrorString());
            }
        }

        /** The executor of a scoring task that has run for a second (loading the model, then scoring). */
        String executorOfALongTask(long timeoutMillis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + timeoutMillis;
            while (System.currentTimeMillis() < deadline) {
                for (TaskInfo task : running.values()) {
                    if (System.currentTimeMillis() - task.launchTime() > 1000) {
                        return task.executorId();
                    }
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no task ran for a second within " + timeoutMillis + " ms");
        }
    }
}
