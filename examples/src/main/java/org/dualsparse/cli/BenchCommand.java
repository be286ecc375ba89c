package org.dualsparse.cli;

import picocli.CommandLine.Command;

/** Benchmarks, run on request (never in CI). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchMoeCommand.class, BenchModelCommand.class, BenchKernelsCommand.class, BenchSoakCommand.class})
final class BenchCommand {}
