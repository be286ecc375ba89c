package org.dualsparse.spark;

/** A job's output does not hold every input row exactly once. */
public final class RowCountException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    RowCountException(String job, long rowsIn, long rowsOut, long distinctIds) {
        super(job + ": " + rowsIn + " rows in, " + rowsOut + " rows out with " + distinctIds + " distinct ids");
    }
}
