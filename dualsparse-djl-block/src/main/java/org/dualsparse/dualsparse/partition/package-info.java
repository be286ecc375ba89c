/**
 * Expert partition: every expert's neurons reordered by importance and split into contiguous
 * sub-experts, so a prefix of sub-experts is one row range of gate/up and one column range of
 * down.
 */
package org.dualsparse.dualsparse.partition;
