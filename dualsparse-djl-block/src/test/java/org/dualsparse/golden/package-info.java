/**
 * Reading the golden fixtures that {@code tools/golden/make_golden.py} records with HuggingFace
 * transformers (under {@code src/test/resources/golden}), so tests compare with transformers
 * itself without Python.
 */
package org.dualsparse.golden;
