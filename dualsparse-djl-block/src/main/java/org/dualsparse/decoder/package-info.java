/**
 * The decoder-only language model as DJL blocks: {@link org.dualsparse.decoder.CausalLmBlock}
 * (embedding, layers, final norm, LM head), {@link org.dualsparse.decoder.DecoderLayer}, standard
 * and multi-head latent attention, and the {@link org.dualsparse.decoder.KvCache}. The
 * feed-forward slot of a layer is an {@code nn} type, so this package knows nothing of MoE.
 * Depends on {@code nn} and {@code config}.
 */
package org.dualsparse.decoder;
