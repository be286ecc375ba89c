package org.dualsparse.spark;

import ai.djl.translate.TranslateException;
import java.io.Serializable;

/** Why one input row could not be processed: the row's id and what went wrong. */
public record RowError(long id, String message) implements Serializable {

    /** The message a failed row reports: a {@code TranslateException}'s cause's, which says what went wrong. */
    static String describe(Exception e) {
        Throwable reported = e instanceof TranslateException && e.getCause() != null ? e.getCause() : e;
        return reported.getMessage() != null ? reported.getMessage() : reported.getClass().getName();
    }
}
