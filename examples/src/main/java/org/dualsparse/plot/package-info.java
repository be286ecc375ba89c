/**
 * PNG charts (XChart) of benchmark, sweep, expert-usage and training figures.
 */
package org.dualsparse.plot;
