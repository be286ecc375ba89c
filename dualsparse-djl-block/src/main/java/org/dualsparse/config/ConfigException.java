package org.dualsparse.config;

/** A {@code config.json} (or {@code generation_config.json}) that is missing, malformed or holds a value this library cannot run. */
public class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
