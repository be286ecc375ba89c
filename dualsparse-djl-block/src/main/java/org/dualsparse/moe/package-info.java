/**
 * The sparse-MoE feed-forward slot: the {@link org.dualsparse.moe.Router}, the routed experts'
 * weights in their dense layout, shared experts, the grouped computation of token-expert pairs
 * and the load-balancing loss. Depends on {@code nn} and {@code decoder}; knows nothing of the
 * DualSparse method, which replaces these blocks from outside.
 */
package org.dualsparse.moe;
