/**
 * DJL translators: text in, text out (prompts, chats, log-likelihood requests) over a loaded
 * model, for {@code Predictor}s.
 */
package org.dualsparse.translate;
