/**
 * Strict reading of loosely typed argument maps (DJL Criteria arguments, {@code
 * serving.properties} keys): {@link org.dualsparse.arguments.ArgumentReader} turns a value into a
 * boolean, integer, number, path, list or choice within a {@link org.dualsparse.arguments.Range},
 * or refuses it with an {@link org.dualsparse.arguments.InvalidArgumentException} naming the
 * argument and the value. Depends on no other package of the project.
 */
package org.dualsparse.arguments;
