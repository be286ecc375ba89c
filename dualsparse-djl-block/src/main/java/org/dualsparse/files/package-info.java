/**
 * Writing files so that a crash, a kill or a full disk never leaves a half-written file under the
 * name a reader opens: {@link org.dualsparse.files.AtomicFile}.
 */
package org.dualsparse.files;
