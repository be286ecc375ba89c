package org.dualsparse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code bench kernels} refuses bad selections with a one-line error before any benchmark runs. */
class BenchKernelsCommandTest {

    @Test
    void anIncludeMatchingNothingListsTheBenchmarks() {
        CliRun run = CliRun.of("bench", "kernels", "--include", "NoSuchKernel");
        assertEquals(2, run.code());
        assertTrue(run.err().startsWith("error: --include NoSuchKernel matches no benchmark; they are: CallOverhead.add"), run.err());
        assertTrue(run.err().contains("ExpertGemm.expert"), run.err());
    }

    @Test
    void aBrokenRegexIsNamed() {
        CliRun run = CliRun.of("bench", "kernels", "--include", "(");
        assertEquals(2, run.code());
        assertTrue(run.err().startsWith("error: --include is not a regular expression"), run.err());
    }

    @Test
    void aParameterNoSelectedBenchmarkHasIsRefused() {
        CliRun run = CliRun.of("bench", "kernels", "--include", "GemmPeak", "--param", "rows=1");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("--param rows: no selected benchmark has that parameter; theirs are threads"), run.err());
    }

    @Test
    void emptyParameterValuesAreRefused() {
        CliRun run = CliRun.of("bench", "kernels", "--include", "ExpertGemm", "--param", "rows=1,");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("--param rows needs comma-separated values"), run.err());
    }

    @Test
    void noMeasuredIterationsIsRefused() {
        CliRun run = CliRun.of("bench", "kernels", "--iterations", "0");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("need at least 1 measured iteration"), run.err());
    }

    @Test
    void aJsonFileInAMissingFolderIsRefusedBeforeRunning() {
        CliRun run = CliRun.of("bench", "kernels", "--include", "CallOverhead.add", "--json", "/nonexistent/figures.json");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("--json /nonexistent/figures.json: folder /nonexistent does not exist"), run.err());
    }
}
