/**
 * DJL model-zoo integration: {@code Criteria} arguments load a checkpoint folder (with the
 * DualSparse method applied and, if asked, calibrated at load) into a {@code ZooModel}.
 */
package org.dualsparse.zoo;
