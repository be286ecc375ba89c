package org.dualsparse.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dualsparse} command-line program. */
@Command(
        name = "dualsparse",
        mixinStandardHelpOptions = true,
        version = "dualsparse 0.1.0",
        description = "Run HuggingFace Mixture-of-Experts checkpoints on DJL, with DualSparse expert dropping.",
        subcommands = {LogitsCommand.class, RandomCheckpointCommand.class, ExportPartitionCommand.class})
public final class DualSparseCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code; typed library errors become one-line messages. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new DualSparseCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + e.getMessage());
            return 2;
        });
        return cli.execute(args);
    }
}
