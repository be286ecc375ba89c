package org.dualsparse.config;

import java.util.Collection;

/** The checkpoint names a {@code model_type} / {@code architectures} entry that no registered family implements. */
public class UnsupportedArchitectureException extends ConfigException {

    private static final long serialVersionUID = 1L;

    public UnsupportedArchitectureException(String what, Collection<String> supported) {
        super(what + " is not supported; supported architectures: " + String.join(", ", supported));
    }
}
