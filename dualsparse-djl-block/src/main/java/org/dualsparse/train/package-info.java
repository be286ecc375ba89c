/**
 * Training a model of any family from scratch on token sequences (DJL gradient collector,
 * AdamW, the MoE load-balancing loss): how the shipped model was made.
 */
package org.dualsparse.train;
