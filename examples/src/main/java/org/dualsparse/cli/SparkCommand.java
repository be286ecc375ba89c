package org.dualsparse.cli;

import picocli.CommandLine.Command;

/** The batch jobs that run on Apache Spark. */
@Command(name = "spark", mixinStandardHelpOptions = true,
        description = "Run batch jobs on Apache Spark, one model per executor JVM: generate (prompt → text), score"
                + " (document → log-likelihood, perplexity) and calibrate (documents → calibration profile and routing trace).",
        subcommands = {SparkGenerateCommand.class, SparkScoreCommand.class, SparkCalibrateCommand.class})
final class SparkCommand {
}
