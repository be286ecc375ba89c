package org.dualsparse.spark;

import ai.djl.translate.TranslateException;
import java.io.Serializable;

/**
 * Why one input row could not be processed: the row's id and the failure's message (a {@code
 * TranslateException}'s cause, which says what went wrong).
 */
public record RowError(long id, String message) implements Serializable {

    static RowError of(long id, Exception e) {
        Throwable reported = e instanceof TranslateException && e.getCause() != null ? e.getCause() : e;
        String message = reported.getMessage() != null ? reported.getMessage() : reported.getClass().getName();
        return new RowError(id, message);
    }
}
