/**
 * Coverage-guided fuzz targets (Jazzer) for every file and argument the library reads: each
 * input is written where the loader reads it, and must either load or be refused with the typed
 * exception that names the file. Anything else (another exception, an error, the heap exhausted)
 * is a finding; each finding's input is kept beside its target under {@code src/test/resources}
 * and replayed by every {@code mvn test}.
 */
package org.dualsparse.fuzz;
