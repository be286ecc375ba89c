package org.dualsparse.cli;

import ai.djl.translate.TranslateException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code dualsparse} command-line program. */
@Command(
        name = "dualsparse",
        mixinStandardHelpOptions = true,
        version = "dualsparse 0.1.0",
        description = "Run HuggingFace Mixture-of-Experts checkpoints on DJL, with DualSparse expert dropping.",
        subcommands = {LogitsCommand.class, RandomCheckpointCommand.class, GenerateCommand.class, ChatCommand.class,
            TrainTokenizerCommand.class, TrainCommand.class, BuildTasksCommand.class, ExpertUsageCommand.class,
            ExportPartitionCommand.class, CalibrateCommand.class, BenchCommand.class, EpSimCommand.class, EvalCommand.class,
            SweepCommand.class, SparkCommand.class})
public final class DualSparseCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code; typed library errors become one-line messages. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new DualSparseCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // A Predictor wraps every failure in a TranslateException; the cause says what went wrong.
            Throwable reported = e instanceof TranslateException && e.getCause() != null ? e.getCause() : e;
            commandLine.getErr().println("error: " + reported.getMessage());
            return 2;
        });
        return cli.execute(args);
    }
}
