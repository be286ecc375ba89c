/**
 * One file per HF model family (Mixtral, OLMoE, Qwen2-MoE, Qwen3-MoE, DeepSeek-MoE,
 * DeepSeek-V2): how its {@code config.json} reads and how its blocks are wired from named
 * tensors; {@link org.dualsparse.model.family.ModelRegistry} maps architecture names to them and
 * {@link org.dualsparse.model.family.ExpertLayout} says where a family keeps its experts.
 */
package org.dualsparse.model.family;
