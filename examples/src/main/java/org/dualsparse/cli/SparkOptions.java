package org.dualsparse.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.dualsparse.spark.JobData;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The switches every {@code spark} job takes: where it runs, what it reads and where it writes. */
final class SparkOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--master", description = "Spark master URL, e.g. local[2] or spark://HOST:7077 (default: the one"
            + " spark-submit set, else local[*]).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting (repeatable), as spark-submit's --conf.")
    List<String> conf;

    @Option(names = "--model", description = "Model folder, on a path every executor can read." + ShippedModel.DEFAULT)
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE_OR_DIR",
            description = "Input: a .txt file (documents separated by blank lines), .jsonl or .parquet, or a folder of them."
                    + " Executors read it, so on a cluster it must be on a shared path.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the results; must not exist or be empty.")
    Path out;

    @Option(names = "--partitions", description = "Tasks to split the rows into (default: Spark's default parallelism).")
    Integer partitions;

    /**
     * The model folder given, or the shipped model, checked here before any executor tries to
     * load it.
     */
    Path model() {
        Path dir = ShippedModel.orDefault(model);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new ParameterException(spec.commandLine(), "--model " + dir + " holds no config.json (the folder must be"
                    + " readable here and by every executor)");
        }
        return dir;
    }

    /** Refuses an output folder that holds anything, before any work is done. */
    void checkOut() {
        if (Files.isDirectory(out)) {
            try (Stream<Path> entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new ParameterException(spec.commandLine(), "--out " + out + " is not empty: choose a new folder");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list --out " + out, e);
            }
        } else if (Files.exists(out)) {
            throw new ParameterException(spec.commandLine(), "--out " + out + " is a file, not a folder");
        }
    }

    /** A session named after the job, with Spark's console progress bar. */
    SparkSession session(String job) {
        SparkConf sparkConf = new SparkConf();
        if (conf != null) {
            for (String setting : conf) {
                int eq = setting.indexOf('=');
                if (eq < 1) {
                    throw new ParameterException(spec.commandLine(), "--conf " + setting + " is not KEY=VALUE");
                }
                sparkConf.set(setting.substring(0, eq), setting.substring(eq + 1));
            }
        }
        if (master != null) {
            sparkConf.setMaster(master);
        } else if (!sparkConf.contains("spark.master")) {
            sparkConf.setMaster("local[*]");
        }
        sparkConf.setIfMissing("spark.ui.showConsoleProgress", "true");
        sparkConf.setAppName("dualsparse " + job);
        return SparkSession.builder().config(sparkConf).getOrCreate();
    }

    /** The input rows, in {@code --partitions} tasks (or Spark's default parallelism). */
    Dataset<Row> read(SparkSession spark, String column) {
        return JobData.read(spark, data, column).repartition(partitions(spark));
    }

    int partitions(SparkSession spark) {
        if (partitions != null && partitions < 1) {
            throw new ParameterException(spec.commandLine(), "--partitions must be positive, got " + partitions);
        }
        return partitions != null ? partitions : spark.sparkContext().defaultParallelism();
    }
}
