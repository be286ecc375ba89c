/**
 * The model's HF tokenizer ({@code tokenizer.json}, through DJL's HF tokenizers binding),
 * special tokens, incremental decoding for streaming, and a byte-level BPE trainer.
 */
package org.dualsparse.tokenizer;
