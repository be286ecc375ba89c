/**
 * The method at run time: the block that replaces a layer's MoE block on a partitioned model,
 * the handle that switches the drop policy of all its layers, and the statistics of what was
 * dropped and computed.
 */
package org.dualsparse.dualsparse.runtime;
