"""Golden tables from the frameworks themselves (not run by CI; calc never imports this).

For every published config.json in data/configs/ this script asks

- Hugging Face transformers, building the model on the meta device, for its exact parameter count
  and its largest module (as DeepSpeed's ``model_to_params`` finds it);
- ``torch.utils.flop_counter.FlopCounterMode`` for the forward + backward FLOP of one training
  step with eager attention and eager experts, without and with full activation recomputation
  (transformers' gradient checkpointing, reentrant: each layer's whole forward re-run, as Megatron
  does; PyTorch's non-reentrant default stops early and skips each layer's last projection), on the config cut to a few layers (dense models on the
  meta device at full width; mixtures of experts, whose routing needs real numbers, on CPU at a
  reduced width: ``FLOP_SHRINK`` below, recorded in the table);
- DeepSpeed's estimators of model-state memory per GPU (ZeRO-2 and ZeRO-3, no offload);
- PEFT for the trainable parameters of LoRA on every linear layer (``target_modules="all-linear"``),
  for the model types whose q, k, v and feed-forward matrices are separate modules (``LORA_CONFIGS``);
- a real training step on CPU (fp32, eager attention, no dropout) for the bytes autograd keeps for
  the backward pass (``saved_tensors_hooks``, each storage once, parameters left out), on small
  configs of each model type at two depths, so that per-layer and output-layer bytes separate.

It writes tests/golden/params.csv, flop.csv, zero_memory.csv, lora.csv and activations.csv, each
opening with comment lines that give this script, the package versions and the date.

    python3 -m venv /work/venv-golden
    /work/venv-golden/bin/pip install torch==2.13.0 transformers deepspeed peft   # DS_BUILD_OPS=0
    /work/venv-golden/bin/python benchmarks/golden_frameworks.py
    /work/venv-golden/bin/python benchmarks/golden_frameworks.py phi-4.json gemma-3-4b.json   # only these

A run given config names replaces those configs' rows where they stand, adds new configs' rows last, keeps the
others, and adds a "# rows of" line to each table's header with the date and versions of that run.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DS_BUILD_OPS", "0")
import torch  # noqa: E402
import transformers  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "data" / "configs"
EXTRA = ROOT / "tests" / "golden" / "configs"  # made-up small shapes for model types without a published row
OUT = ROOT / "tests" / "golden"

FLOP_LAYERS = 2  # per-layer counts scale with layers; MoE configs keep their dense-then-expert pattern
FLOP_SEQUENCE = 256
# Mixtures of experts route on real numbers, so they run on CPU, cut down to these fields:
FLOP_SHRINK = {
    "mixtral-8x7b.json": {"hidden_size": 512, "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2,
                          "intermediate_size": 1024, "vocab_size": 4096},
    "qwen1.5-moe-a2.7b.json": {"hidden_size": 512, "num_attention_heads": 8, "num_key_value_heads": 8,
                               "intermediate_size": 1024, "moe_intermediate_size": 256,
                               "shared_expert_intermediate_size": 768, "num_experts": 16, "vocab_size": 4096,
                               "num_hidden_layers": 3, "mlp_only_layers": [1]},
    "deepseek-v2-lite.json": {"hidden_size": 512, "num_attention_heads": 8, "num_key_value_heads": 8,
                              "intermediate_size": 1024, "moe_intermediate_size": 256, "n_routed_experts": 16,
                              "kv_lora_rank": 128, "vocab_size": 4096, "num_hidden_layers": 3},
    "deepseek-v2.json": {"hidden_size": 512, "num_attention_heads": 8, "num_key_value_heads": 8,
                         "intermediate_size": 1024, "moe_intermediate_size": 256, "n_routed_experts": 16,
                         "n_group": 4, "topk_group": 2, "q_lora_rank": 192, "kv_lora_rank": 128,
                         "vocab_size": 4096, "num_hidden_layers": 3},
    "qwen3-30b-a3b.json": {"hidden_size": 512, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 64,
                           "intermediate_size": 1024, "moe_intermediate_size": 256, "num_experts": 16,
                           "vocab_size": 4096, "num_hidden_layers": 2},
    "olmoe-synthetic.json": {},
    "deepseek-v3.json": {"hidden_size": 512, "num_attention_heads": 8, "num_key_value_heads": 8,
                         "intermediate_size": 1024, "moe_intermediate_size": 256, "n_routed_experts": 32,
                         "n_group": 8, "topk_group": 4, "q_lora_rank": 192, "kv_lora_rank": 128,
                         "vocab_size": 4096, "num_hidden_layers": 4, "first_k_dense_replace": 2, "pad_token_id": 0},
    "deepseek-r1.json": {"hidden_size": 512, "num_attention_heads": 8, "num_key_value_heads": 8,
                         "intermediate_size": 1024, "moe_intermediate_size": 256, "n_routed_experts": 32,
                         "n_group": 8, "topk_group": 4, "q_lora_rank": 192, "kv_lora_rank": 128,
                         "vocab_size": 4096, "num_hidden_layers": 4, "first_k_dense_replace": 2, "pad_token_id": 0},
    "kimi-k2.json": {"hidden_size": 512, "num_attention_heads": 8, "num_key_value_heads": 8,
                     "intermediate_size": 1024, "moe_intermediate_size": 256, "n_routed_experts": 32,
                     "q_lora_rank": 192, "kv_lora_rank": 128, "vocab_size": 4096, "num_hidden_layers": 3},
    "glm-4.7.json": {"hidden_size": 512, "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 64,
                     "intermediate_size": 1024, "moe_intermediate_size": 256, "n_routed_experts": 16,
                     "vocab_size": 4096, "num_hidden_layers": 4, "first_k_dense_replace": 2, "pad_token_id": 0},
    "mixtral-8x22b.json": {"hidden_size": 512, "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2,
                           "intermediate_size": 1024, "vocab_size": 4096},
    "qwen3-coder-480b-a35b.json": {"hidden_size": 512, "num_attention_heads": 8, "num_key_value_heads": 4,
                                   "head_dim": 64, "intermediate_size": 1024, "moe_intermediate_size": 256,
                                   "num_experts": 16, "vocab_size": 4096, "num_hidden_layers": 2},
}
# model_types transformers has no class of its own for, built as the type that reads them: Kimi K2's config.json
# names DeepseekV3ForCausalLM (auto_map configuration_deepseek.DeepseekV3Config), and transformers' own
# Kimi K2.5 config (models/kimi_k25/configuration_kimi_k25.py) reads a kimi_k2 text_config as deepseek_v3
BUILD_AS = {"kimi_k2": "deepseek_v3"}
BUILT_NOTE = ("; a Gemma 3 config.json of model_type gemma3 (multimodal) is built as its language model, the "
              "text_config as gemma3_text (the count checked against Gemma3ForConditionalGeneration's language model "
              "and output), `overrides` applying to the text_config; model_type kimi_k2, which transformers has no "
              "class for, is built as deepseek_v3, the architecture its config.json names")
ZERO_LAYOUTS = ((8, 1), (8, 4), (8, 64))  # (GPUs per node, nodes)
LORA_CONFIGS = ("llama-2-7b.json", "llama-3-8b.json", "mistral-7b.json", "qwen2-7b.json", "qwen3-4b.json",
                "gemma-7b.json", "gemma-2-9b.json", "gemma-3-1b.json", "olmo-7b.json", "olmo-2-7b.json",
                "starcoder2-synthetic.json", "granite-synthetic.json", "cohere-synthetic.json",
                "stablelm-synthetic.json", "llama-3.1-8b.json", "llama-3.2-1b.json", "qwen2.5-7b.json",
                "qwen3-14b.json", "gemma-3-4b.json", "gemma-3-12b.json")
LORA_RANKS = (8, 64)
# Small configs of each model type for the saved-activation measurement (CPU, fp32): these fields
# replace the published config's; layers are set to ACT_LAYERS in turn.
ACT_SMALL = {"hidden_size": 256, "num_attention_heads": 4, "intermediate_size": 512, "vocab_size": 1000,
             "moe_intermediate_size": 128, "shared_expert_intermediate_size": 256, "kv_lora_rank": 64,
             "q_lora_rank": 96, "qk_nope_head_dim": 32, "qk_rope_head_dim": 16, "v_head_dim": 32, "head_dim": 64,
             "n_embd": 256, "n_head": 4, "ffn_hidden_size": 1024, "n_routed_experts": 8, "num_experts": 8,
             "num_local_experts": 8, "n_group": 2, "topk_group": 1, "first_k_dense_replace": 0,
             "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0}
ACT_CONFIGS = ("gpt2.json", "pythia-1.4b.json", "bloom-560m.json", "falcon-7b.json", "falcon-40b.json",
               "llama-3-8b.json", "qwen2-7b.json", "qwen3-4b.json", "gemma-7b.json", "gemma-2-9b.json",
               "olmo-1b.json", "phi-3-mini.json", "mixtral-8x7b.json", "qwen1.5-moe-a2.7b.json",
               "deepseek-v2-lite.json", "deepseek-v3.json", "gpt-j-6b.json", "olmo-2-7b.json", "gemma-3-1b.json",
               "qwen3-30b-a3b.json", "starcoder2-synthetic.json", "phi-synthetic.json", "stablelm-synthetic.json",
               "cohere-synthetic.json", "granite-synthetic.json", "olmoe-synthetic.json", "llama-3.2-1b.json",
               "qwen2.5-7b.json", "phi-4.json", "gemma-3-12b.json", "deepseek-r1.json", "kimi-k2.json",
               "qwen3-coder-480b-a35b.json")
ACT_LAYERS = (2, 4)
ACT_SEQUENCE, ACT_BATCH = 128, 2


def load(path: Path) -> dict:
    """The config as built: a published Gemma 3 (Gemma3ForConditionalGeneration) is its language model, the
    ``text_config`` as gemma3_text (Gemma3Config builds its text_config as a Gemma3TextConfig; the embeddings tied to
    the output as the top level says), as calc reads it; ``main`` checks the count against the whole model's."""
    cfg = json.loads(path.read_text())
    cfg.pop("_comment", None)
    if cfg["model_type"] == "gemma3":
        cfg = {"tie_word_embeddings": cfg.get("tie_word_embeddings", True), **cfg["text_config"],
               "model_type": "gemma3_text"}
    return cfg


def build(cfg: dict, device: str, attention: str = "eager"):
    c = dict(cfg)
    kind = BUILD_AS.get(c["model_type"], c["model_type"])
    c.pop("model_type")
    config = AutoConfig.for_model(kind, **c)
    config._attn_implementation = attention
    config._experts_implementation = "eager"
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, attn_implementation=attention, dtype=torch.float32)
    return model


def count(model) -> tuple[int, int]:
    seen, total = set(), 0
    for p in model.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    largest = max(sum(p.numel() for p in m.parameters(recurse=False)) for m in model.modules())
    return total, largest


def flop(cfg: dict, device: str, recompute: bool) -> float:
    model = build(cfg, device)
    if device == "cpu":
        torch.manual_seed(0)
        for p in model.parameters():
            torch.nn.init.normal_(p, std=0.02)
    model.train()
    if recompute:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": True})
    ids = torch.zeros((1, FLOP_SEQUENCE), dtype=torch.long, device=device)
    if device == "cpu":
        ids = torch.randint(0, cfg["vocab_size"], (1, FLOP_SEQUENCE))
    with FlopCounterMode(display=False) as counter:
        mask = torch.ones_like(ids)  # given, so that no mask logic reads values (meta tensors have none)
        out = model(input_ids=ids, attention_mask=mask, labels=ids, use_cache=False)
        out.loss.backward()
    return counter.get_total_flops()


def small_config(cfg: dict, layers: int) -> dict:
    c = dict(cfg)
    c.update({k: v for k, v in ACT_SMALL.items() if k in cfg or k in ("resid_pdrop", "embd_pdrop", "attn_pdrop")
              and cfg["model_type"] == "gpt2"})
    if "num_key_value_heads" in cfg:  # grouped-query attention (latent attention keeps one per head)
        c["num_key_value_heads"] = ACT_SMALL["num_attention_heads"] if "kv_lora_rank" in cfg else min(
            cfg["num_key_value_heads"], 2)
    if cfg.get("num_kv_heads"):
        c["num_kv_heads"] = 2
    c["n_layer" if "n_layer" in cfg else "num_hidden_layers"] = layers
    if "layer_types" in cfg:  # one attention kind per layer: the first ones
        c["layer_types"] = cfg["layer_types"][:layers]
    c["pad_token_id"] = c["bos_token_id"] = c["eos_token_id"] = 0  # within the small vocabulary
    if "n_routed_experts" in cfg:
        c["num_experts_per_tok"] = 2
    return c


def saved_bytes(cfg: dict, attention: str = "eager") -> int:
    """Bytes of the tensors autograd saves in one forward (each storage once, parameters left out)."""
    torch.manual_seed(0)
    model = build(cfg, "cpu", attention)
    for p in model.parameters():
        torch.nn.init.normal_(p, std=0.02)
    model.train()
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen = {}

    def pack(t):
        st = t.untyped_storage()
        if st.data_ptr() not in params and st.data_ptr() != 0:
            seen[st.data_ptr()] = st.nbytes()
        return t

    ids = torch.randint(0, cfg["vocab_size"], (ACT_BATCH, ACT_SEQUENCE))
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(input_ids=ids, labels=ids, use_cache=False)
    out.loss.backward()
    return sum(seen.values())


def sdpa_bytes(cfg: dict) -> int | str:
    try:
        return saved_bytes(cfg, "sdpa")
    except ValueError:  # the model type has no scaled_dot_product_attention path in transformers
        return ""


def main() -> int:
    import deepspeed
    import peft
    from deepspeed.runtime.zero.stage3 import estimate_zero3_model_states_mem_needs
    from deepspeed.runtime.zero.stage_1_and_2 import estimate_zero2_model_states_mem_needs
    from peft import LoraConfig, get_peft_model

    OUT.mkdir(parents=True, exist_ok=True)
    versions = (f"torch {torch.__version__}, transformers {transformers.__version__}, deepspeed {deepspeed.__version__}, "
                f"peft {peft.__version__}, python {sys.version.split()[0]}")
    header = [f"# produced by benchmarks/golden_frameworks.py on {dt.date.today().isoformat()} with {versions}"]
    params_rows, flop_rows, mem_rows, lora_rows = [], [], [], []
    only = set(sys.argv[1:])
    for path in sorted([*CONFIGS.glob("*.json"), *EXTRA.glob("*.json")], key=lambda p: p.name):
        if only and path.name not in only:
            continue
        cfg = load(path)
        t0 = time.time()
        total, largest = count(build(cfg, "meta"))
        published = json.loads(path.read_text())
        if published["model_type"] == "gemma3":  # the language model of the whole multimodal model, as built
            whole = build(published, "meta")
            language = sum(p.numel() for p in whole.model.language_model.parameters())
            if not whole.config.tie_word_embeddings:
                language += whole.lm_head.weight.numel()
            assert language == total, (path.name, language, total)
            print(f"{path.name}: Gemma3ForConditionalGeneration {count(whole)[0]:,} params, its language model "
                  f"{language:,}", flush=True)
        params_rows.append({"config": path.name, "params": total, "largest_module_params": largest})
        if path.name in LORA_CONFIGS:
            for r in LORA_RANKS:
                peft_model = get_peft_model(build(cfg, "meta"), LoraConfig(r=r, target_modules="all-linear"))
                trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
                lora_rows.append({"config": path.name, "rank": r, "trainable_params": trainable})
        for per_node, nodes in ZERO_LAYOUTS:
            _, z2 = estimate_zero2_model_states_mem_needs(total, per_node, nodes, cpu_offload=False)
            _, z3, _ = estimate_zero3_model_states_mem_needs(total, largest, per_node, nodes, cpu_offload=False,
                                                             cpu_offload_params=False)
            mem_rows.append({"config": path.name, "gpus": per_node * nodes, "zero": 2, "bytes_per_gpu": z2})
            mem_rows.append({"config": path.name, "gpus": per_node * nodes, "zero": 3, "bytes_per_gpu": z3})
        small = dict(cfg)
        shrink = FLOP_SHRINK.get(path.name)
        if shrink is not None:
            small.update(shrink)
            device = "cpu"
        else:
            key = "n_layer" if "n_layer" in cfg else "num_hidden_layers"
            small[key] = FLOP_LAYERS
            if "layer_types" in cfg:  # one attention kind per layer: the first ones
                small["layer_types"] = cfg["layer_types"][:FLOP_LAYERS]
            device = "meta"
        overrides = {k: v for k, v in small.items() if cfg.get(k) != v}
        row = {"config": path.name, "overrides": json.dumps(overrides, sort_keys=True), "sequence": FLOP_SEQUENCE,
               "batch": 1, "device": device}
        row["flop"] = flop(small, device, recompute=False)
        row["flop_full_recompute"] = flop(small, device, recompute=True)
        flop_rows.append(row)
        print(f"{path.name}: {total:,} params, largest module {largest:,}; FLOP {row['flop']:.4e} "
              f"({time.time() - t0:.0f} s)", flush=True)
    act_rows = []
    for name in ACT_CONFIGS:
        if only and name not in only:
            continue
        cfg = load((CONFIGS / name) if (CONFIGS / name).exists() else (EXTRA / name))
        for layers in ACT_LAYERS:
            small = small_config(cfg, layers)
            overrides = {k: v for k, v in small.items() if cfg.get(k) != v}
            act_rows.append({"config": name, "overrides": json.dumps(overrides, sort_keys=True),
                             "sequence": ACT_SEQUENCE, "batch": ACT_BATCH, "bytes_saved": saved_bytes(small),
                             "bytes_saved_sdpa": sdpa_bytes(small)})
            print(f"{name} at {layers} layers: {act_rows[-1]['bytes_saved']:,} bytes saved", flush=True)
    for name, rows, note in (
            ("params.csv", params_rows, "parameters of AutoModelForCausalLM.from_config on the meta device "
                                        "(shared tensors once); largest module as DeepSpeed's model_to_params"),
            ("flop.csv", flop_rows, "FlopCounterMode total of one forward + backward (loss on every position), "
                                    "eager attention and experts, the config with `overrides` applied; "
                                    "flop_full_recompute with gradient checkpointing"),
            ("zero_memory.csv", mem_rows, "DeepSpeed estimate_zero{2,3}_model_states_mem_needs, cpu_offload=False, "
                                          "for the params and largest module of params.csv"),
            ("lora.csv", lora_rows, "trainable parameters of peft.get_peft_model(model, LoraConfig(r=rank, "
                                    "target_modules='all-linear')) on the meta device"),
            ("activations.csv", act_rows, "bytes autograd saves for backward in one fp32 training step on CPU "
                                          "(saved_tensors_hooks; each storage once; parameters left out), eager "
                                          "attention and experts (bytes_saved_sdpa: torch's scaled_dot_product_"
                                          "attention, a fused kernel on CPU), no dropout, the config with "
                                          "`overrides` applied")):
        if not rows:
            continue
        note += BUILT_NOTE
        lines = header
        if only and (OUT / name).exists():  # a partial run replaces its configs' rows in place, adds new ones last
            with open(OUT / name) as f:
                text = f.read().splitlines()
            old = list(csv.DictReader(line for line in text if not line.startswith("#")))
            made = sorted({r["config"] for r in rows})
            lines = [line for line in text if line.startswith(("# produced by", "# rows of"))] + [
                f"# rows of {', '.join(made)} produced by benchmarks/golden_frameworks.py on "
                f"{dt.date.today().isoformat()} with {versions}"]
            new, merged = {}, []
            for r in rows:
                new.setdefault(r["config"], []).append(r)
            for r in old:
                if r["config"] not in only:
                    merged.append(r)
                elif r["config"] in new:
                    merged += new.pop(r["config"])
            rows = merged + [r for rs in new.values() for r in rs]
        with open(OUT / name, "w", newline="") as f:
            f.write("\n".join(lines + [f"# {note}"]) + "\n")
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
