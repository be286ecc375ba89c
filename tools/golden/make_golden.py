"""Golden fixtures from HuggingFace transformers itself.

Builds tiny random checkpoints with transformers' own model classes for every MoE family it
ships natively, records transformers' logits at every position of a fixed prompt and a greedy
continuation with the KV cache, records transformers' logits of the shipped model models/kjv-moe
on held-out lines, and exports each partitionable checkpoint with this project's CLI (P = 2) to
record transformers' logits of the export. See README.md next to this script.
"""
import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import safetensors
import torch
import transformers
from safetensors import safe_open
from transformers import AutoConfig, AutoModelForCausalLM

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "dualsparse-djl-block/src/test/resources/golden"
JAR = REPO / "examples/target/dualsparse.jar"

# Longer than Mixtral's sliding window below, so the window matters.
PROMPT = [3, 41, 7, 58, 15, 60, 2, 33, 47, 19, 50, 9, 101, 77]
NEW_TOKENS = 8
# The greedy continuation is compared token for token, so no step may be a near tie.
MIN_GREEDY_MARGIN = 1e-3

COMMON = dict(vocab_size=128, hidden_size=16, num_attention_heads=4, max_position_embeddings=256,
              bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False)

# name -> (model_type, config overrides, switches exercised, partition exportable)
CASES = {
    "mixtral-gqa-window": ("mixtral", dict(
        num_hidden_layers=2, num_key_value_heads=2, intermediate_size=16, num_local_experts=4,
        num_experts_per_tok=2, sliding_window=5, rope_theta=10000.0),
        ["GQA 4 query / 2 kv heads", "sliding_window 5 < prompt length 14", "top-2 of 4 renormalised"]),
    "olmoe-clip-norm": ("olmoe", dict(
        num_hidden_layers=2, num_key_value_heads=4, intermediate_size=16, num_experts=4,
        num_experts_per_tok=2, clip_qkv=0.6, norm_topk_prob=True),
        ["q/k RMSNorm", "clip_qkv 0.6 (clamps)", "norm_topk_prob true"]),
    "olmoe-plain": ("olmoe", dict(
        num_hidden_layers=2, num_key_value_heads=4, intermediate_size=16, num_experts=4,
        num_experts_per_tok=2, clip_qkv=None, norm_topk_prob=False),
        ["q/k RMSNorm", "no clip_qkv", "norm_topk_prob false (softmax top-K, partitionable)"]),
    "qwen2-moe-shared-sparse-step": ("qwen2_moe", dict(
        num_hidden_layers=3, num_key_value_heads=2, intermediate_size=24, moe_intermediate_size=16,
        shared_expert_intermediate_size=24, num_experts=4, num_experts_per_tok=2, norm_topk_prob=False,
        decoder_sparse_step=1, mlp_only_layers=[1], use_sliding_window=False, qkv_bias=True),
        ["qkv bias", "shared expert 24 wide behind a sigmoid gate", "mlp_only_layers [1] (dense middle layer)",
         "GQA 4/2", "norm_topk_prob false"]),
    "qwen2-moe-sparse-step-2": ("qwen2_moe", dict(
        num_hidden_layers=3, num_key_value_heads=4, intermediate_size=24, moe_intermediate_size=16,
        shared_expert_intermediate_size=16, num_experts=4, num_experts_per_tok=2, norm_topk_prob=True,
        decoder_sparse_step=2, mlp_only_layers=[], use_sliding_window=False),
        ["decoder_sparse_step 2 (only layer 1 sparse)", "norm_topk_prob true", "shared expert"]),
    "qwen3-moe-norm-dense": ("qwen3_moe", dict(
        num_hidden_layers=3, num_key_value_heads=2, head_dim=8, intermediate_size=24,
        moe_intermediate_size=16, num_experts=4, num_experts_per_tok=2, norm_topk_prob=True,
        decoder_sparse_step=1, mlp_only_layers=[0], use_sliding_window=False),
        ["q/k RMSNorm", "head_dim 8 != hidden/heads", "norm_topk_prob true", "mlp_only_layers [0] (dense first layer)",
         "GQA 4/2"]),
    "deepseek-v2-lora-yarn-group": ("deepseek_v2", dict(
        num_hidden_layers=3, num_key_value_heads=4, intermediate_size=24, moe_intermediate_size=8,
        n_routed_experts=8, num_experts_per_tok=3, n_shared_experts=2, first_k_dense_replace=1,
        q_lora_rank=12, kv_lora_rank=8, qk_nope_head_dim=4, qk_rope_head_dim=4, v_head_dim=4,
        topk_method="group_limited_greedy", n_group=4, topk_group=2, routed_scaling_factor=2.5,
        norm_topk_prob=False,
        rope_parameters=dict(rope_type="yarn", rope_theta=10000.0, factor=4.0,
                             original_max_position_embeddings=64, beta_fast=32, beta_slow=1,
                             mscale=0.707, mscale_all_dim=0.707)),
        ["q LoRA rank 12", "YaRN factor 4 (mscale = mscale_all_dim = 0.707)",
         "group_limited_greedy n_group 4 topk_group 2, top-3 (more experts than groups, so the limit binds)", "2 shared experts", "first_k_dense_replace 1",
         "routed_scaling_factor 2.5"]),
    "deepseek-v2-plain-q": ("deepseek_v2", dict(
        num_hidden_layers=2, num_key_value_heads=4, intermediate_size=24, moe_intermediate_size=8,
        n_routed_experts=4, num_experts_per_tok=2, n_shared_experts=1, first_k_dense_replace=0,
        q_lora_rank=None, kv_lora_rank=8, qk_nope_head_dim=4, qk_rope_head_dim=4, v_head_dim=4,
        topk_method="greedy", routed_scaling_factor=1.0, norm_topk_prob=False, rope_theta=10000.0),
        ["plain q_proj (q_lora_rank null)", "greedy top-2 of 4", "1 shared expert", "every layer MoE",
         "default RoPE"]),
    # Where transformers' native DeepseekV2 differs from the hub's remote code: it never renormalises
    # (norm_topk_prob is ignored, routed_scaling_factor always applies), every layer from
    # first_k_dense_replace on is MoE (moe_layer_freq is ignored), and YaRN's cos/sin factor is
    # 0.1·ln(factor) + 1 unless both mscale and mscale_all_dim are set.
    "deepseek-v2-native-semantics": ("deepseek_v2", dict(
        num_hidden_layers=3, num_key_value_heads=4, intermediate_size=24, moe_intermediate_size=8,
        n_routed_experts=4, num_experts_per_tok=2, n_shared_experts=1, first_k_dense_replace=1, moe_layer_freq=2,
        q_lora_rank=12, kv_lora_rank=8, qk_nope_head_dim=4, qk_rope_head_dim=4, v_head_dim=4,
        topk_method="greedy", routed_scaling_factor=3.0, norm_topk_prob=True,
        rope_parameters=dict(rope_type="yarn", rope_theta=10000.0, factor=8.0,
                             original_max_position_embeddings=32, mscale=0.707)),
        ["norm_topk_prob true (ignored by the native class)", "routed_scaling_factor 3.0",
         "moe_layer_freq 2 (ignored by the native class: layers 1 and 2 MoE)",
         "YaRN factor 8 with mscale only (native cos/sin factor 0.1·ln 8 + 1)", "q LoRA rank 12"]),
}


# Per fixture, config changes that must move transformers' logits (the switch is exercised, not
# dormant): name -> {label: overrides}. The effect is recorded in meta.json.
SWITCH_EFFECTS = {
    "mixtral-gqa-window": {"no sliding window": dict(sliding_window=None)},
    "olmoe-clip-norm": {"no clip_qkv": dict(clip_qkv=None), "norm_topk_prob false": dict(norm_topk_prob=False)},
    "qwen2-moe-sparse-step-2": {"norm_topk_prob false": dict(norm_topk_prob=False)},
    "qwen3-moe-norm-dense": {"norm_topk_prob false": dict(norm_topk_prob=False)},
    "deepseek-v2-lora-yarn-group": {
        "topk_method greedy": dict(topk_method="greedy"),
        "routed_scaling_factor 1": dict(routed_scaling_factor=1.0),
        "no YaRN": dict(rope_parameters=dict(rope_type="default", rope_theta=10000.0))},
    "deepseek-v2-native-semantics": {
        "routed_scaling_factor 1": dict(routed_scaling_factor=1.0),
        "YaRN with mscale_all_dim 1": dict(rope_parameters=dict(
            rope_type="yarn", rope_theta=10000.0, factor=8.0, original_max_position_embeddings=32,
            mscale=0.707, mscale_all_dim=1.0))},
}
MIN_SWITCH_EFFECT = 1e-2


def switch_effects(name, folder, logits):
    """Max change of the logits, relative to their scale, when each switch is changed."""
    effects = {}
    for label, change in SWITCH_EFFECTS.get(name, {}).items():
        config = AutoConfig.from_pretrained(folder)
        for key, value in change.items():
            setattr(config, key, value)
        model = AutoModelForCausalLM.from_pretrained(
            folder, config=config, dtype=torch.float32, attn_implementation="eager").eval()
        effect = float(np.abs(logits_of(model, PROMPT) - logits).max() / np.abs(logits).max())
        if effect < MIN_SWITCH_EFFECT:
            raise SystemExit(f"{name}: '{label}' changes the logits by only {effect:.2e}: the switch is dormant")
        effects[label] = round(effect, 4)
    return effects


def randomise(model, seed):
    """Weights of order one, so logits are of order ten and every router is far from uniform.

    transformers' own init (std 0.02) gives near-zero logits and near-uniform routing, which
    would hide routing and scaling mistakes.
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and "norm" in name:
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:  # biases
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
            else:
                fan_in = p.shape[-1]
                std = 1.0 if "embed_tokens" in name else 1 / math.sqrt(fan_in)
                if name.endswith("gate.weight") or name.endswith("router.weight") or "shared_expert_gate" in name:
                    std *= 4  # sharply peaked routing
                if "lm_head" in name:
                    std *= 3
                p.copy_(std * torch.randn(p.shape, generator=g))


def versions():
    return dict(torch=torch.__version__, transformers=transformers.__version__,
                safetensors=safetensors.__version__, numpy=np.__version__, python=sys.version.split()[0])


def write_json(path, value):
    """Indented JSON with lists of numbers on one line each."""
    text = json.dumps(value, indent=1, ensure_ascii=False)
    text = re.sub(r"\[\s+([-+\d.e,\s]+?)\s+\]", lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    Path(path).write_text(text + "\n")


def shortest_f32(value):
    """The shortest decimal that reads back as the same float32 (Java's Float.parseFloat included)."""
    return float(np.format_float_positional(np.float32(value), unique=True))


def write_f32(path, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(path)


def logits_of(model, ids):
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].float().numpy()


def greedy(model, ids, n):
    """Greedy decoding with the KV cache, and the smallest top-1/top-2 margin along the way."""
    with torch.no_grad():
        out = model.generate(torch.tensor([ids]), max_new_tokens=n, min_new_tokens=n, do_sample=False,
                             use_cache=True, output_scores=True, return_dict_in_generate=True,
                             pad_token_id=model.config.pad_token_id, eos_token_id=None)
    margin = min(float((s[0].topk(2).values[0] - s[0].topk(2).values[1])) for s in out.scores)
    return out.sequences[0, len(ids):].tolist(), margin


def make_checkpoint(name, model_type, overrides, seed):
    cfg = AutoConfig.for_model(model_type, **{**COMMON, **overrides})
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.float32, attn_implementation="eager")
    randomise(model, seed)
    model.eval()
    return model


def tensor_shapes(folder):
    shapes = {}
    for f in sorted(Path(folder).glob("*.safetensors")):
        with safe_open(f, "pt") as st:
            for k in st.keys():
                shapes[k] = list(st.get_slice(k).get_shape())
    return dict(sorted(shapes.items()))


def golden_fixture(name, model_type, overrides, switches):
    folder = OUT / name
    for seed in range(1000, 1100):
        model = make_checkpoint(name, model_type, overrides, seed)
        tokens, margin = greedy(model, PROMPT, NEW_TOKENS)
        if margin >= MIN_GREEDY_MARGIN:
            break
    else:
        raise SystemExit(f"{name}: no seed gives a greedy path without near ties")
    if folder.exists():
        shutil.rmtree(folder)
    model.save_pretrained(folder, safe_serialization=True)
    # Reload from disk: the fixture records what transformers computes from the saved files.
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").eval()
    logits = logits_of(model, PROMPT)
    reloaded_tokens, _ = greedy(model, PROMPT, NEW_TOKENS)
    assert reloaded_tokens == tokens, (name, tokens, reloaded_tokens)
    write_f32(folder / "logits.f32", logits)
    (folder / "generation_config.json").unlink(missing_ok=True)
    meta = dict(
        model_class=type(model).__name__, seed=seed, switches=switches,
        prompt=PROMPT, logits_shape=list(logits.shape), logits_file="logits.f32 (float32 little-endian, [S, V])",
        max_abs_logit=float(np.abs(logits).max()), greedy=tokens, greedy_min_margin=margin,
        switch_effects=switch_effects(name, folder, logits), attn_implementation="eager", versions=versions())
    write_json(folder / "meta.json", meta)
    print(f"{name:32s} seed {seed} max|logit| {meta['max_abs_logit']:.2f} greedy {tokens} margin {margin:.3g}")


def partition_export(name):
    """Exports fixture `name` with the CLI (P = 2) and records transformers' logits of the export."""
    folder = OUT / name
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export"
        run = subprocess.run(["java", "-jar", str(JAR), "export-partition", "--model", str(folder),
                              "--out", str(out), "--partition", "2"], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{name:32s} export refused: {run.stderr.strip().splitlines()[-1] if run.stderr else run.stdout}")
            return None
        model = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32, attn_implementation="eager").eval()
        logits = logits_of(model, PROMPT)
        target = folder / "export-p2"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir()
        write_f32(target / "logits.f32", logits)
        config = json.loads((out / "config.json").read_text())
        meta = dict(parts=2, model_class=type(model).__name__, prompt=PROMPT, logits_shape=list(logits.shape),
                    max_abs_logit=float(np.abs(logits).max()), tensors=tensor_shapes(out),
                    config_switches={k: config.get(k) for k in EXPORT_KEYS if k in config}, versions=versions())
        write_json(target / "meta.json", meta)
        original = np.fromfile(folder / "logits.f32", dtype="<f4").reshape(logits.shape)
        rel = float(np.abs(original - logits).max() / np.abs(original).max())
        print(f"{name:32s} export P=2 in {meta['model_class']}: max rel |Δ| to the original {rel:.2e}")
        return rel


EXPORT_KEYS = ["num_local_experts", "num_experts", "n_routed_experts", "num_experts_per_tok", "intermediate_size",
               "moe_intermediate_size", "n_shared_experts", "shared_expert_intermediate_size"]


def kjv_fixture(lines, tokens_per_line, top):
    """transformers' MixtralForCausalLM (float32) logits of the shipped model on held-out lines.

    Its vocabulary is 4096, so per line only the last position's full row and each position's
    `top` largest logits are kept (a few dozen KB instead of 256 KB per line).
    """
    from tokenizers import Tokenizer
    model_dir = REPO / "models/kjv-moe"
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager").eval()
    heldout = [l for l in (model_dir / "eval/heldout.txt").read_text().splitlines() if l.strip()]
    picked = [heldout[i * len(heldout) // lines] for i in range(lines)]
    folder = OUT / "kjv-moe"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rows = []
    for i, line in enumerate(picked):
        ids = tokenizer.encode(line).ids[:tokens_per_line]
        logits = torch.from_numpy(logits_of(model, ids))
        write_f32(folder / f"line{i}-last.f32", logits[-1].numpy())
        values, indices = logits.topk(top, dim=-1)
        rows.append(dict(text=line, ids=ids, last_logits_file=f"line{i}-last.f32",
                         top_ids=indices.tolist(),
                         top_logits=[[shortest_f32(v) for v in r] for r in values.numpy()]))
    meta = dict(model_class=type(model).__name__, dtype="float32 (bf16 weights widened)",
                tokenizer="models/kjv-moe/tokenizer.json via tokenizers " + __import__("tokenizers").__version__,
                note=f"the first {tokens_per_line} tokens of {lines} evenly spaced non-empty held-out lines; per "
                     f"position the {top} largest logits (top_ids, top_logits), and the last position's full row "
                     "as float32 little-endian",
                vocab_size=model.config.vocab_size, lines=rows, versions=versions())
    write_json(folder / "meta.json", meta)
    print(f"kjv-moe: {len(rows)} lines, ids {[r['ids'] for r in rows]}")


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    torch.use_deterministic_algorithms(True)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (model_type, overrides, switches) in CASES.items():
        golden_fixture(name, model_type, overrides, switches)
    kjv_fixture(lines=3, tokens_per_line=16, top=32)
    subprocess.run(["mvn", "-B", "-q", "-pl", "examples", "-am", "-DskipTests", "package"], cwd=REPO, check=True)
    for name in CASES:
        partition_export(name)


if __name__ == "__main__":
    main()
