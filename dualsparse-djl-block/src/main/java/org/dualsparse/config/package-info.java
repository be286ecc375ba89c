/**
 * Typed access to a checkpoint's {@code config.json} and {@code generation_config.json}:
 * {@link org.dualsparse.config.HfConfig} reads keys strictly, {@link
 * org.dualsparse.config.DecoderConfig} holds what every decoder shares. Depends on nothing else of
 * this project.
 */
package org.dualsparse.config;
