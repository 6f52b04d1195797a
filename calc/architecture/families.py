"""One reader per Hugging Face ``model_type``: what its ``config.json`` says, as ``Transformer`` fields.

To add an architecture: one function here, registered with ``@reader("its_model_type")``, and one
row of ``data/architectures.csv`` naming its published config (counted in tests/test_golden.py).
Defaults follow the ``transformers`` class of the same name (``<Family>Config``).
"""

from __future__ import annotations

from calc.architecture.config import Config, common, context, reader
from calc.errors import InputError


@reader("llama", "mistral", "granite")
def llama(c: Config, *, tie=False, qkv_bias=None, head_dim=None, norm="rmsnorm", norms=2, qk_norm="none") -> dict:
    """Llama and its descendants: gated feed-forward, RMS norms, optional grouped-query attention."""
    s = common(c, tie=tie)
    bias = c.bool("attention_bias", False)
    s.update(kv_heads=c.int("num_key_value_heads", s["heads"]), head_dim=c.head_dim(head_dim),
             d_ff=c.int("intermediate_size"), gated=True, norm=norm, norms_per_layer=norms, qk_norm=qk_norm,
             qkv_bias=bias if qkv_bias is None else qkv_bias, out_bias=bias, mlp_bias=c.bool("mlp_bias", False))
    return s


@reader("phi3")
def phi3(c: Config) -> dict:
    """Phi-3 (and Phi-4): Llama whose q, k and v are one module (qkv_proj) and gate and up another (gate_up_proj),
    the modules ZeRO-3 gathers whole (transformers' Phi3MLP and Phi3Attention)."""
    return {**llama(c), "fused_projections": True}


@reader("qwen2")
def qwen2(c: Config) -> dict:
    """Qwen2: Llama with biases on the query, key and value projections only."""
    return {**llama(c), "qkv_bias": True, "out_bias": False}


@reader("qwen3")
def qwen3(c: Config) -> dict:
    """Qwen3: Llama with heads of 128 set apart from the width, and a norm per head on queries and keys."""
    return llama(c, head_dim=128, qk_norm="head")


@reader("gemma")
def gemma(c: Config) -> dict:
    """Gemma: Llama with tied embeddings and heads of 256."""
    return llama(c, tie=True, head_dim=256)


@reader("gemma2")
def gemma2(c: Config) -> dict:
    """Gemma 2: Gemma with sandwich norms (four per layer)."""
    return llama(c, tie=True, head_dim=256, norms=4)


# transformers' Gemma3TextConfig defaults (v4.50, the release of Gemma 3; configuration_gemma3.py): what a published
# Gemma 3 text_config leaves out (google/gemma-3-4b-it's names neither its heads, its head width nor its vocabulary;
# the checkpoint's embedding has 262,208 rows)
_GEMMA3_TEXT = {"vocab_size": 262_208, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
                "max_position_embeddings": 131_072, "sliding_window": 4096}


@reader("gemma3")
def gemma3(c: Config) -> dict:
    """Gemma 3 4B, 12B and 27B as published (Gemma3ForConditionalGeneration): the language model of its
    ``text_config``, read as ``gemma3_text`` (the SigLIP vision encoder, 417M parameters in the Gemma 3 report's
    Table 1, is not counted), its embeddings tied to the output as the top level says (transformers: tied)."""
    text = c.raw.get("text_config")
    if not isinstance(text, dict):
        raise InputError("config", "a gemma3 config.json needs its 'text_config' (the language model), which is missing")
    return gemma3_text(Config({"tie_word_embeddings": c.bool("tie_word_embeddings", True), **text}, "gemma3_text", c.read))


@reader("gemma3_text")
def gemma3_text(c: Config) -> dict:
    """Gemma 3 (text): Gemma 2 with a norm per head on queries and keys, and a sliding window of ``sliding_window``
    on the layers ``layer_types`` calls sliding: by default five of every six, the sixth global (transformers'
    Gemma3TextConfig, sliding_window_pattern 6; the Gemma 3 report, arXiv:2503.19786 sec. 2: 5 local layers for
    every global one)."""
    c = Config({**_GEMMA3_TEXT, **{k: v for k, v in c.raw.items() if v is not None}}, c.kind, c.read)
    s = llama(c, tie=True, head_dim=256, norms=4, qk_norm="head")
    L = s["layers"]
    every = c.int("sliding_window_pattern", 6, aliases=("_sliding_window_pattern",), least=0)
    windowed = _sliding_layers(c, L, L - (L // every if every else 0))  # layer i global when (i + 1) % every == 0
    s.update(window=c.int("sliding_window", 4096) if windowed else None, window_layers=windowed)
    return s


def _sliding_layers(c: Config, layers: int, default: int) -> int:
    """How many layers ``layer_types`` calls sliding_attention (one kind per layer), else ``default``."""
    kinds = c.raw.get("layer_types")
    if kinds is None:
        return default
    if isinstance(kinds, list) and len(kinds) == layers and all(isinstance(k, str) for k in kinds):
        c.read["layer_types"] = kinds
        return sum(k == "sliding_attention" for k in kinds)
    raise InputError("config", f"'layer_types' must list one attention kind per layer ({layers}), got {kinds!r:.60}")


@reader("olmo")
def olmo(c: Config) -> dict:
    """OLMo 1: Llama with norms that have no parameters."""
    return llama(c, norm="nonparametric")


@reader("olmo2")
def olmo2(c: Config) -> dict:
    """OLMo 2: Llama with one norm over all heads' queries and keys."""
    return llama(c, qk_norm="full")


@reader("mixtral")
def mixtral(c: Config) -> dict:
    """Mixtral: Llama with experts on every layer."""
    s = llama(c)
    s.update(experts=c.int("num_local_experts", aliases=("num_experts",)), experts_per_token=c.int("num_experts_per_tok"))
    return s


def _qwen_moe(c: Config, s: dict) -> dict:
    """Qwen-MoE layer rule: experts on layer i unless listed in mlp_only_layers or (i+1) % step != 0."""
    L, E, step = s["layers"], c.int("num_experts", least=0), c.int("decoder_sparse_step", 1, least=0)
    only = set(c.ints("mlp_only_layers"))
    # layers i < L with (i + 1) % step == 0, counted without a loop over L, less those listed
    moe = L // step - sum(1 for i in only if 0 <= i < L and (i + 1) % step == 0) if E > 0 and step else 0
    s.update(experts=max(E, 1), experts_per_token=c.int("num_experts_per_tok"), expert_d_ff=c.int("moe_intermediate_size"),
             dense_layers=L - moe if E > 1 else 0)
    return s


@reader("qwen2_moe")
def qwen2_moe(c: Config) -> dict:
    """Qwen2-MoE: routed experts and one gated shared expert of its own width."""
    s = _qwen_moe(c, llama(c, qkv_bias=c.bool("qkv_bias", True)))
    s.update(out_bias=False, shared_d_ff=c.int("shared_expert_intermediate_size"), shared_expert_gate=True)
    return s


@reader("qwen3_moe")
def qwen3_moe(c: Config) -> dict:
    """Qwen3-MoE: Qwen3's attention with Qwen-MoE's layer rule."""
    return _qwen_moe(c, llama(c, head_dim=128, qk_norm="head"))


@reader("deepseek_v2", "deepseek_v3", "kimi_k2")
def deepseek(c: Config) -> dict:
    """DeepSeek-V2/V3: latent attention, shared experts, leading dense layers, moe_layer_freq, MTP. Kimi K2 is this
    architecture under its own model_type (its config.json: architectures DeepseekV3ForCausalLM, auto_map
    configuration_deepseek.DeepseekV3Config; 384 experts, 64 heads, one dense layer)."""
    s = common(c, tie=False)
    L, E = s["layers"], c.int("n_routed_experts", 0, least=0)
    first = c.int("first_k_dense_replace", 0, least=0)
    freq = c.int("moe_layer_freq", 1, least=1 if E else 0)  # experts on every freq-th layer; 0 read only without experts
    # layers first <= i < L with i % freq == 0, counted without a loop over L
    moe = (L - 1) // freq - (first - 1) // freq if E and L > first else 0
    bias = c.bool("attention_bias", False)
    s.update(d_ff=c.int("intermediate_size"), gated=True, norm="rmsnorm", qkv_bias=bias, out_bias=bias,
             mlp_bias=c.bool("mlp_bias", False), q_lora_rank=c.int("q_lora_rank", None, least=0) or None,
             kv_lora_rank=c.int("kv_lora_rank"), qk_nope_head_dim=c.int("qk_nope_head_dim"),
             qk_rope_head_dim=c.int("qk_rope_head_dim"), v_head_dim=c.int("v_head_dim"),
             mtp_modules=c.int("num_nextn_predict_layers", 0, least=0))
    if E:
        s.update(experts=E, experts_per_token=c.int("num_experts_per_tok"), expert_d_ff=c.int("moe_intermediate_size"),
                 shared_experts=c.int("n_shared_experts", 0, least=0), dense_layers=L - moe)
        if c._get("topk_method", "")[0] in ("group_limited_greedy", "noaux_tc") and c.int("topk_group", 0, least=0):
            # the experts of at most topk_group of n_group groups per token (DeepSeek-V2's device-limited and V3's
            # node-limited routing; transformers' DeepseekV3TopkRouter)
            s.update(expert_groups=c.int("n_group", 0, least=0), groups_per_token=c.int("topk_group", 0, least=0))
    if (own := _fp8_blocks(c)) is not None:
        s.update(checkpoint_precision=own)
    return s


@reader("glm4_moe")
def glm4_moe(c: Config) -> dict:
    """GLM-4.5, 4.6 and 4.7: Llama's attention with biases on q, k and v only (attention_bias), a norm per head on
    queries and keys where use_qk_norm, and DeepSeek-V3's experts: first_k_dense_replace dense layers, then
    n_routed_experts routed and n_shared_experts shared experts of moe_intermediate_size; the MTP modules apart
    (transformers' Glm4MoeForCausalLM builds none)."""
    s = llama(c, qkv_bias=c.bool("attention_bias", False), qk_norm="head" if c.bool("use_qk_norm", False) else "none")
    s.update(out_bias=False, experts=c.int("n_routed_experts"), experts_per_token=c.int("num_experts_per_tok"),
             expert_d_ff=c.int("moe_intermediate_size"), shared_experts=c.int("n_shared_experts", 0, least=0),
             dense_layers=min(c.int("first_k_dense_replace", 0, least=0), s["layers"]),
             mtp_modules=c.int("num_nextn_predict_layers", 0, least=0))
    return s


@reader("olmoe")
def olmoe(c: Config) -> dict:
    """OLMoE: OLMo 2's attention with experts of the dense width on every layer."""
    s = llama(c, qk_norm="full")
    s.update(experts=c.int("num_experts"), experts_per_token=c.int("num_experts_per_tok"),
             expert_d_ff=s["d_ff"])
    return s


@reader("falcon")
def falcon(c: Config) -> dict:
    """Falcon: multi-query or grouped attention, parallel blocks with one or two norms."""
    s = common(c, tie=True, context_default=2048)  # falcon configs may leave the context out (2048 trained)
    new, parallel = c.bool("new_decoder_architecture", False), c.bool("parallel_attn", True)
    kv = c.int("num_kv_heads", s["heads"], aliases=("n_head_kv",)) if new else (
        1 if c.bool("multi_query", True) else s["heads"])
    lns = c.int("num_ln_in_parallel_attn", 2 if new else 1, least=0)
    bias = c.bool("bias", False)
    s.update(kv_heads=kv, d_ff=c.int("ffn_hidden_size", 4 * s["d_model"]), biases=bias, norm="layernorm",
             parallel_block=parallel, norms_per_layer=(2 if lns == 2 else 1) if parallel else 2)
    return s


@reader("gpt2")
def gpt2(c: Config) -> dict:
    """GPT-2: learned positions, biases everywhere, LayerNorm."""
    s = {"layers": c.int("n_layer"), "d_model": c.int("n_embd"), "heads": c.int("n_head"), "vocab": c.int("vocab_size"),
         **context(c, "n_positions"), "tied_embeddings": c.bool("tie_word_embeddings", True)}
    s.update(d_ff=c.int("n_inner", 4 * s["d_model"]), learned_positions=True, biases=True, norm="layernorm")
    return s


@reader("gpt_neox")
def gpt_neox(c: Config) -> dict:
    """GPT-NeoX (Pythia): parallel residual by default, biases, LayerNorm."""
    s = common(c, tie=False)
    bias = c.bool("attention_bias", True)
    s.update(d_ff=c.int("intermediate_size"), qkv_bias=bias, out_bias=bias, mlp_bias=True, norm="layernorm",
             parallel_block=c.bool("use_parallel_residual", True))
    return s


@reader("bloom")
def bloom(c: Config) -> dict:
    """BLOOM: ALiBi (no positions), biases everywhere, a norm after the embedding."""
    s = {"layers": c.int("n_layer", aliases=("num_hidden_layers",)),
         "d_model": c.int("hidden_size", aliases=("n_embed",)), "heads": c.int("n_head", aliases=("num_attention_heads",)),
         "vocab": c.int("vocab_size"), **context(c, "seq_length", 2048),  # ALiBi: no trained length in config
         "tied_embeddings": c.bool("tie_word_embeddings", True)}
    s.update(biases=True, norm="layernorm", embedding_norm=True)
    return s


@reader("gptj")
def gptj(c: Config) -> dict:
    """GPT-J: one LayerNorm per parallel block, no attention biases, a biased output layer."""
    s = {"layers": c.int("n_layer"), "d_model": c.int("n_embd"), "heads": c.int("n_head"), "vocab": c.int("vocab_size"),
         **context(c, "n_positions"), "tied_embeddings": c.bool("tie_word_embeddings", False)}
    s.update(d_ff=c.int("n_inner", 4 * s["d_model"]), mlp_bias=True, norm="layernorm", norms_per_layer=1,
             parallel_block=True, unembedding_bias=True)
    return s


@reader("phi")
def phi(c: Config) -> dict:
    """Phi-1/2: one LayerNorm per parallel block, biases everywhere, a biased output layer."""
    s = common(c, tie=False)
    s.update(kv_heads=c.int("num_key_value_heads", s["heads"]), d_ff=c.int("intermediate_size"), biases=True,
             norm="layernorm", norms_per_layer=1, parallel_block=True, unembedding_bias=True,
             qk_norm="head" if c.bool("qk_layernorm", False) else "none")
    return s


@reader("stablelm")
def stablelm(c: Config) -> dict:
    """StableLM: gated feed-forward with LayerNorm, optional parallel residual and q/k/v biases."""
    s = common(c, tie=False)
    if c.bool("qk_layernorm", False):  # one LayerNorm per head, without bias: a layout we do not count
        raise InputError("config", "a stablelm config.json with qk_layernorm true is not supported yet")
    parallel = c.bool("use_parallel_residual", False)
    s.update(kv_heads=c.int("num_key_value_heads", s["heads"]), d_ff=c.int("intermediate_size"), gated=True,
             qkv_bias=c.bool("use_qkv_bias", False), out_bias=False, mlp_bias=False, norm="layernorm",
             parallel_block=parallel, norms_per_layer=1 if parallel else 2)
    return s


@reader("cohere")
def cohere(c: Config) -> dict:
    """Cohere (Command R): LayerNorm without bias, one per parallel block; per-head QK-norm weights."""
    s = llama(c, tie=True, norm="layernorm-nobias", norms=1, qk_norm="full" if c.bool("use_qk_norm", False) else "none")
    s.update(parallel_block=True)
    return s


@reader("starcoder2")
def starcoder2(c: Config) -> dict:
    """StarCoder2: grouped attention, a plain feed-forward, biases, LayerNorm."""
    s = common(c, tie=True)
    bias = c.bool("use_bias", True)
    s.update(kv_heads=c.int("num_key_value_heads", s["heads"]), d_ff=c.int("intermediate_size"), biases=bias,
             norm="layernorm")
    return s


@reader("gpt_oss")
def gpt_oss(c: Config) -> dict:
    """GPT-OSS: experts on every layer with biases (and a biased router), attention biases and sinks, a sliding
    window on the layers ``layer_types`` calls sliding (by default every other one, the first included)."""
    s = llama(c)
    L = s["layers"]
    windowed = _sliding_layers(c, L, (L + 1) // 2)  # transformers' GptOssConfig: sliding on layers 0, 2, 4...
    window = c.int("sliding_window", 128)
    s.update(experts=c.int("num_local_experts", aliases=("num_experts",)),
             experts_per_token=c.int("num_experts_per_tok", aliases=("experts_per_token",)),
             expert_d_ff=s["d_ff"], expert_bias=True, attention_sinks=True,
             window=window if windowed else None, window_layers=windowed, expert_precision=_mxfp4_experts(c))
    return s


def _mxfp4_experts(c: Config) -> str | None:
    """"mxfp4" when ``quantization_config`` says the checkpoint holds its experts in MXFP4 (quant_method mxfp4, the
    experts not among ``modules_to_not_convert``: openai/gpt-oss-120b leaves attention, router, embeddings and
    lm_head in BF16); None otherwise (the other weights' format)."""
    q = c.raw.get("quantization_config")
    if not isinstance(q, dict) or q.get("quant_method") != "mxfp4":
        return None
    kept = q.get("modules_to_not_convert") or []
    if not isinstance(kept, list) or any(isinstance(k, str) and "experts" in k for k in kept):
        return None
    return "mxfp4"


def _fp8_blocks(c: Config) -> str | None:
    """"fp8" when ``quantization_config`` says the checkpoint holds its weights in block-scaled FP8 (quant_method fp8
    with a ``weight_block_size``, fmt e4m3 or unstated: deepseek-ai/DeepSeek-V3 and DeepSeek-R1, moonshotai/Kimi-K2,
    E4M3 values with one scale per 128 x 128 block [DeepSeekAI2024] sec. 3.3.2); None otherwise (a 16-bit checkpoint,
    or one quantized another way)."""
    q = c.raw.get("quantization_config")
    if not isinstance(q, dict) or q.get("quant_method") != "fp8" or q.get("fmt", "e4m3") != "e4m3":
        return None
    block = q.get("weight_block_size")
    if not isinstance(block, list) or len(block) != 2 or not all(type(b) is int and b > 0 for b in block):
        return None
    return "fp8"


@reader("llama4", "llama4_text")
def llama4(c: Config) -> dict:
    """Llama 4 (its language model; a multimodal config's vision encoder is not counted): experts of
    ``intermediate_size`` with one shared expert of the same width on every ``interleave_moe_layer_step``-th layer
    (or those ``moe_layers`` lists), dense feed-forwards of ``intermediate_size_mlp`` on the others, and attention in
    chunks of ``attention_chunk_size`` on the layers with rotary positions (all but every
    ``no_rope_layer_interval``-th, unless ``no_rope_layers`` lists them). Its query/key norm has no weights."""
    if c.kind == "llama4":
        text = c.raw.get("text_config")
        if not isinstance(text, dict):
            raise InputError("config", "a llama4 config.json needs its 'text_config' (the language model), which is missing")
        tie = c.bool("tie_word_embeddings", False)
        c = Config({"tie_word_embeddings": tie, **text}, "llama4_text", c.read)
    s = llama(c)
    L = s["layers"]
    listed = c.ints("moe_layers")
    step = c.int("interleave_moe_layer_step", 1, least=0 if listed else 1)  # experts on every step-th layer
    moe = len({i for i in listed if 0 <= i < L}) if listed else L // step  # layers i with (i + 1) % step == 0
    rope = c.ints("no_rope_layers")  # 1: the layer uses rotary positions (and the chunked attention)
    if rope:
        chunked = sum(1 for v in rope[:L] if v)
    else:
        interval = c.int("no_rope_layer_interval", 4, least=0)
        chunked = L - (L // interval if interval else 0)
    chunk = c.int("attention_chunk_size", None, least=0)
    s.update(d_ff=c.int("intermediate_size_mlp"), expert_d_ff=c.int("intermediate_size"),
             experts=c.int("num_local_experts"), experts_per_token=c.int("num_experts_per_tok"), shared_experts=1,
             dense_layers=L - moe, window=chunk if chunk and chunked else None, window_layers=chunked if chunk else 0)
    return s


_BLOCK_LETTERS = {"mamba": "M", "attention": "*", "mlp": "-", "moe": "E"}  # layers_block_type's names, as letters


def _hybrid_pattern(c: Config) -> str:
    """A Nemotron-H stack's layers as one letter each (M Mamba-2, * attention, - feed-forward, E experts): its
    ``hybrid_override_pattern`` (transformers before 5.x), or its ``layers_block_type`` list in letters."""
    pattern = c.raw.get("hybrid_override_pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern or set(pattern) - set(_BLOCK_LETTERS.values()):
            raise InputError("config", f"'hybrid_override_pattern' must be letters M, *, - and E, one per layer, "
                                       f"got {pattern!r:.60}")
        return pattern
    kinds = c.raw.get("layers_block_type")
    if kinds is None:
        raise InputError("config", "a nemotron_h config.json needs 'hybrid_override_pattern' or 'layers_block_type' "
                                   "(the kind of each layer), which is missing")
    if not isinstance(kinds, list) or not kinds or any(not isinstance(k, str) or k not in _BLOCK_LETTERS for k in kinds):
        raise InputError("config", f"'layers_block_type' must list one of {', '.join(_BLOCK_LETTERS)} per layer, "
                                   f"got {kinds!r:.60}")
    return "".join(_BLOCK_LETTERS[k] for k in kinds)


@reader("nemotron_h")
def nemotron_h(c: Config) -> dict:
    """Nemotron-H: a hybrid stack, each layer one block with one RMSNorm: a Mamba-2 mixer, attention, a squared-ReLU
    feed-forward (two matrices, not gated) or, in Nemotron 3, a mixture of such experts with a shared one, in the
    order of its layer pattern. What the shape does not hold is refused by name: a sliding window, biases on the
    Mamba projections, latent expert projections (``moe_latent_size``), multi-token prediction blocks."""
    pattern = _hybrid_pattern(c)
    layers = c.int("num_hidden_layers", len(pattern))
    if layers != len(pattern):
        raise InputError("config", f"the layer pattern has {len(pattern)} layers, 'num_hidden_layers' says {layers}")
    for key, why in (("sliding_window", "a sliding window on a hybrid stack's attention"),
                     ("moe_latent_size", "experts computed in a latent width")):
        if c.raw.get(key) is not None:
            raise InputError("config", f"{key!r} is {c.raw[key]!r:.40}: {why} is not modelled")
    if c.int("num_nextn_predict_layers", 0, least=0):
        raise InputError("config", f"'num_nextn_predict_layers' is {c.raw['num_nextn_predict_layers']}: a hybrid "
                                   "stack's multi-token prediction blocks are not modelled (0 counts the model without)")
    if c.bool("mamba_proj_bias", False) or c.bool("use_bias", False):
        key = "mamba_proj_bias" if c.raw.get("mamba_proj_bias") else "use_bias"
        raise InputError("config", f"{key!r} is true: biases on the Mamba-2 projections are not modelled")
    if not c.bool("use_conv_bias", True) or not c.bool("mamba_conv_bias", True):
        raise InputError("config", "a Mamba-2 conv1d without its bias is not modelled ('use_conv_bias' false)")
    heads = c.int("num_attention_heads")
    bias = c.bool("attention_bias", False)
    s = {"layers": layers, "d_model": c.int("hidden_size"), "heads": heads, "vocab": c.int("vocab_size"),
         "context": c.int("max_position_embeddings"), "tied_embeddings": c.bool("tie_word_embeddings", False),
         "kv_heads": c.int("num_key_value_heads", heads), "head_dim": c.int("head_dim", None, aliases=("attention_head_dim",)),
         "d_ff": c.int("intermediate_size") if "-" in pattern else c.int("intermediate_size", None),
         "gated": False, "norm": "rmsnorm", "norms_per_layer": 1, "qkv_bias": bias, "out_bias": bias,
         "mlp_bias": c.bool("mlp_bias", False), "layer_pattern": pattern,
         # transformers' NemotronHConfig defaults; older configs (its remote code) name some fields apart
         "mamba_heads": c.int("mamba_num_heads", 128), "mamba_head_dim": c.int("mamba_head_dim", 64),
         "ssm_state": c.int("ssm_state_size", 128), "mamba_groups": c.int("n_groups", 8, aliases=("mamba_n_groups",)),
         "conv_kernel": c.int("conv_kernel", 4, aliases=("mamba_d_conv",)),
         "ssd_chunk": c.int("chunk_size", 128, aliases=("mamba_chunk_size",))}
    if "E" in pattern:  # the router's score-correction bias (one number per expert) is not counted, as DeepSeek's
        s.update(experts=c.int("n_routed_experts"), experts_per_token=c.int("num_experts_per_tok"),
                 expert_d_ff=c.int("moe_intermediate_size"), shared_experts=c.int("n_shared_experts", 1, least=0),
                 shared_d_ff=c.int("moe_shared_expert_intermediate_size"))
    return s
