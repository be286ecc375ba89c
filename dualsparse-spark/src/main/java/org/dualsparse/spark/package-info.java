/**
 * Batch jobs over Spark DataFrames: {@link org.dualsparse.spark.GenerateJob generate} (prompt →
 * text), {@link org.dualsparse.spark.ScoreJob score} (document → summed log-likelihood) and {@link
 * org.dualsparse.spark.RouteJob route} (documents → one calibration profile and one routing
 * trace). Each runs as {@code mapPartitions} over rows of {@code id} and text; every executor JVM
 * loads the model its {@link org.dualsparse.spark.ModelSpec} (a broadcast) names once, memory-mapped
 * and shared by its task threads ({@link org.dualsparse.spark.ExecutorModel}). A row whose input
 * cannot be processed comes out with its {@code error} set; a task that fails is retried by Spark;
 * {@link org.dualsparse.spark.RowResults} checks that every row in comes out once.
 */
package org.dualsparse.spark;
