package org.dualsparse.model.family;

import org.dualsparse.config.DecoderConfig;

/** The typed {@code config.json} of one model family. */
public interface FamilyConfig {

    /** The dimensions every decoder shares. */
    DecoderConfig decoder();
}
