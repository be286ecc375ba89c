package org.dualsparse.cli;

import java.util.List;

/**
 * One point of a sweep: a method at a target drop rate, how its knob was set, and what every task
 * measured there. At target 0 every method shares the undropped model's scores and has no knob.
 *
 * @param knob "T", "β", "p", "γ", or "" at target 0
 * @param predictedRate the decision drop rate the knob gives on the data it was solved on
 */
record SweepRow(String method, double target, String knob, double knobValue, double predictedRate, List<TaskScore> scores) {

    SweepRow {
        scores = List.copyOf(scores);
    }
}
