/**
 * Short programs that use the library through DJL's Criteria, as a user's own code would.
 */
package org.dualsparse.examples;
