/**
 * Complete-partition export: a checkpoint rewritten tensor by tensor so that every sub-expert is
 * an expert of its own, loadable by HF transformers without this library.
 */
package org.dualsparse.dualsparse.export;
