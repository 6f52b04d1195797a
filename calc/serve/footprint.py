"""What serving keeps in memory and reads each step: weights by precision, the KV cache per token,
and the experts a batch actually touches.

    KV cache per token   MHA/GQA: 2 layers kv_heads head_dim bytes (keys and values)  [Pope2022] sec. 3.1
                         MLA: layers (kv_lora_rank + qk_rope_head_dim) bytes (one latent and the
                         shared rotary key, cached once for all heads)          [DeepSeekAI2024b] sec. 2.1
                         sliding window: the layers with a window cache at most ``window`` tokens
                         (and a prefill's queries on them attend to at most ``window`` keys)
    weights              params x bytes per weight (16, 8 or 4 bits), the block formats' scales counted:
                         NVFP4 ("fp4") 4 + 8/16 = 4.5 bits, MXFP4 4 + 8/32 = 4.25 bits [NVIDIA2025nvfp4],
                         [OCP2023mx]; int4 (AWQ, GPTQ) 4 bits, its group scales not counted [Frantar2022], [Lin2024];
                         w8a16 (FP8 or INT8 weights, weight-only) 8 bits, its scales not counted (vLLM's FP8 Marlin);
                         per part: the routed experts may be held in another format than the rest (GPT-OSS:
                         experts in MXFP4, attention, router and embeddings in BF16 [OpenAI2025gptoss])
    experts touched      E (1 - (1 - k/E)^n): the expected distinct experts that n tokens routed
                         top-k uniformly over E experts reach          (balls into bins; [Fedus2022] sec. 2.2)
"""

from __future__ import annotations

import numpy as np

from calc.architecture import Transformer
from calc.architecture.flop import causal_span
from calc.errors import InputError, did_you_mean

# bytes per weight, and the precision of the matmul that uses it (None: the chip's 16-bit one).
# fp8/int8 multiply in 8 bits where the chip has the peak; int4 (AWQ, GPTQ) is weight-only: dequantised
# to 16 bits in the kernel [Lin2024]; NVFP4 ("fp4", ModelOpt's W4A4 checkpoints: activations quantized to NVFP4 too)
# multiplies at the chip's FP4 rate where data/hardware.csv lists one (Blackwell), else in 8 bits (calc.serve.load);
# MXFP4 (GPT-OSS's experts) in 8 bits: its engines multiply MXFP4 weights by MXFP8 or BF16 activations.
# w8a16 is weight-only as int4 is: 8-bit weights (1 byte each) dequantised in the kernel and multiplied in the chip's
# 16-bit format, as vLLM runs an FP8 checkpoint on a chip with no FP8 tensor cores ("FP8 models will run on compute
# capability >= 7.5 (Turing) as weight-only W8A16, utilizing FP8 Marlin", vLLM's docs,
# https://docs.vllm.ai/en/stable/features/quantization/fp8/; "> 8.0 (Ampere)" in v0.6.3's,
# https://docs.vllm.ai/en/v0.6.3.post1/quantization/fp8.html; vLLM PR #5975 "Expand FP8 support to Ampere GPUs using
# FP8 Marlin") and as TensorRT-LLM's INT8 weight-only (W8A16) runs INT8 weights; "fp8" and "int8" multiply in 8 bits.
# The FP4 block formats store a 4-bit E2M1 value per weight and one 8-bit scale per block, counted here:
#   fp4    NVFP4: one FP8 (E4M3) scale per 16 values, 4 + 8/16 = 4.5 bits (a per-tensor FP32 scale besides, one per
#          matrix: nothing per weight) [NVIDIA2025nvfp4]; the FP4 of NVIDIA's ModelOpt checkpoints and TensorRT-LLM
#   mxfp4  OCP Microscaling MXFP4: one E8M0 scale per 32 values, 4 + 8/32 = 4.25 bits [OCP2023mx] sec. 5, Table 1;
#          GPT-OSS's routed experts ("4.25 bits per parameter", [OpenAI2025gptoss] sec. 2)
WEIGHT_PRECISIONS = {"bf16": (2.0, None), "fp16": (2.0, None), "fp8": (1.0, "fp8"), "int8": (1.0, "int8"),
                     "w8a16": (1.0, None), "fp4": ((4 + 8 / 16) / 8, "fp4"), "mxfp4": ((4 + 8 / 32) / 8, "fp8"),
                     "int4": (0.5, None)}
KV_PRECISIONS = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0}


def expert_activation(expert_precision: str, peaks) -> str | None:
    """The format of the routed experts' input activations where their kernel takes another than the rest's, for a
    chip with ``peaks`` (the precisions of its data/hardware.csv peaks); None: as the rest of the model.

    MXFP4 experts (GPT-OSS) run in TensorRT-LLM with MXFP8 activations on Blackwell (W4A8_MXFP4_MXFP8, CUTLASS or
    TRT-LLM-Gen kernels) and with BF16 activations on Hopper, which has no block-scaled tensor cores (W4A16_MXFP4, the
    Triton backend recommended there: each MXFP4 weight dequantised to BF16 in the kernel) [NVIDIA2025gptoss]; a chip
    with a 4-bit peak in data/hardware.csv is one with block-scaled tensor cores. It sets the bytes the experts' tokens
    are gathered in (``gathered_bytes``); their products keep the rest's rate (at the 8-bit rate on Blackwell the
    held-out GPT-OSS rows moved further from their measurements, and no measurement of the MXFP8 x MXFP4 grouped GEMM
    is at hand to set its rate).

    >>> expert_activation("mxfp4", ("bf16", "fp8", "fp4")), expert_activation("mxfp4", ("bf16", "fp8"))
    ('fp8', 'bf16')
    >>> expert_activation("fp8", ()) is None
    True
    """
    if expert_precision != "mxfp4":
        return None
    return "fp8" if "fp4" in peaks else "bf16"


def padded_experts(expert_precision: str, peaks, d_model: int, expert_ff: int, gated: bool) -> float:
    """Weights a routed expert's kernel stores per weight of the checkpoint: 1, but for MXFP4 experts on a chip without
    block-scaled tensor cores (Hopper), whose Triton kernels take their weights padded to multiples of 128 along the
    reduction and of 256 along the output (TensorRT-LLM's TritonMXFP4FusedMoEMethod: k_alignment 128, n_alignment 256,
    gate and up in one product of 2 ff outputs) [NVIDIA2025gptoss].

    .. math:: \\frac{\\lceil h \\rceil_{128} \\lceil g\\,f \\rceil_{256} + \\lceil f \\rceil_{128} \\lceil h \\rceil_{256}}{(g + 1)\\, h f}

    >>> round(padded_experts("mxfp4", ("bf16", "fp8"), 2880, 2880, True), 4)   # GPT-OSS: 2944 x 5888 and 2944 x 3072
    1.0601
    >>> padded_experts("mxfp4", ("bf16", "fp8", "fp4"), 2880, 2880, True)
    1.0
    """
    if expert_activation(expert_precision, peaks) != "bf16" or not d_model or not expert_ff:
        return 1.0

    def up(x, m):
        return -(-x // m) * m

    g = 2 if gated else 1
    padded = up(d_model, 128) * up(g * expert_ff, 256) + up(expert_ff, 128) * up(d_model, 256)
    return padded / ((g + 1) * d_model * expert_ff)


def gathered_bytes(expert_precision: str, compute: str | None) -> float:
    """Bytes per element in which attention data parallel ranks all-gather their tokens for the experts where the
    engine gathers rather than dispatches (``terms.gather_exchange_time``): the experts' input format, quantized before
    the gather (TensorRT-LLM's CutlassFusedMoE: "dynamic quant + fp4_allgather"): NVFP4 4.5 bits with its scales for
    NVFP4 experts, 8 bits where their input is 8-bit (FP8, MXFP8 on Blackwell), else 16 bits (``compute`` the
    experts' input precision, ``expert_activation``'s or the rest's).

    >>> gathered_bytes("fp4", "fp8"), gathered_bytes("mxfp4", "fp8"), gathered_bytes("mxfp4", "bf16")
    (0.5625, 1.0, 2.0)
    """
    if expert_precision == "fp4":
        return WEIGHT_PRECISIONS["fp4"][0]
    return 1.0 if compute in ("fp8", "int8", "fp4") else 2.0


def weight_bytes(precision: str) -> float:
    """Bytes per weight at ``precision`` (a key of ``WEIGHT_PRECISIONS``).

    >>> weight_bytes("fp8"), weight_bytes("w8a16"), weight_bytes("fp4"), weight_bytes("mxfp4"), weight_bytes("int4")
    (1.0, 1.0, 0.5625, 0.53125, 0.5)
    """
    if precision not in WEIGHT_PRECISIONS:
        raise InputError("precision", f"expected one of {', '.join(WEIGHT_PRECISIONS)}, got {precision!r}"
                                      f"{did_you_mean(precision, WEIGHT_PRECISIONS)}")
    return WEIGHT_PRECISIONS[precision][0]


def kv_bytes(precision: str) -> float:
    """Bytes per cached key or value element at ``precision`` (a key of ``KV_PRECISIONS``)."""
    if precision not in KV_PRECISIONS:
        raise InputError("kv_precision", f"expected one of {', '.join(KV_PRECISIONS)}, got {precision!r}"
                                         f"{did_you_mean(precision, KV_PRECISIONS)}")
    return KV_PRECISIONS[precision]


def kv_elements_per_token_layer(model: Transformer) -> int:
    """Cached elements per token and layer: 2 kv_heads head_dim, or the MLA latent plus rotary key.

    >>> from calc.architecture import lookup
    >>> kv_elements_per_token_layer(lookup("Llama 3 70B")), kv_elements_per_token_layer(lookup("DeepSeek-V3"))
    (2048, 576)
    """
    if model.kv_lora_rank is not None:
        return model.kv_lora_rank + model.qk_rope_head_dim
    return 2 * model.kv * model.head_width


def kv_cache_per_token(model: Transformer, precision: str = "bf16") -> float:
    """Bytes of KV cache per token of context, all layers [Pope2022] sec. 3.1.

    .. math:: 2 L n_{kv} d_{head} b \\quad\\text{(MHA, GQA)}, \\qquad L (r_{kv} + d_{rope}) b \\quad\\text{(MLA)}

    Examples
    --------
    >>> from calc.architecture import lookup
    >>> kv_cache_per_token(lookup("Llama 3 70B"))   # 2 x 80 x 8 x 128 x 2
    327680.0
    """
    return model.layers * kv_elements_per_token_layer(model) * kv_bytes(precision)


def cached_tokens(context, window: int | None, window_layers: int, layers: int):
    """Average cached tokens per layer for ``context`` tokens of a sequence when ``window_layers`` of
    the ``layers`` keep only the last ``window`` tokens (Mistral 7B: all; Gemma 2: every other one)."""
    if window is None or window_layers == 0:
        return context
    share = window_layers / layers
    return (1 - share) * context + share * np.minimum(context, float(window))  # a float: a whole window past 2^63 is still one


def attended_span(prompt, window: int | None, window_layers: int, layers: int):
    """The causal attention of a ``prompt``-token prefill as the full-attention prompt length of the same FLOP,
    averaged over the layers: ``prompt`` on a full layer (each query attends to prompt / 2 keys on average), and
    2 w - w^2 / P on a layer with a window w < P (each query to at most w keys; Mistral 7B, GPT-OSS, Llama 4's chunks
    bounded the same way).

    >>> float(attended_span(1000, None, 0, 36)), float(attended_span(1000, 128, 18, 36))
    (1000.0, 619.808)
    """
    P = np.asarray(prompt, dtype=float)
    if window is None or window_layers == 0:
        return P
    local = causal_span(P, window)  # one definition of a windowed layer's span, with the step model's
    share = window_layers / layers
    return (1 - share) * P + share * local


def experts_touched(tokens, experts: int, per_token: int):
    """Expected distinct experts that ``tokens`` tokens reach, each routed to ``per_token`` of
    ``experts`` uniformly: E (1 - (1 - k/E)^n). One token touches k; many touch all E.

    >>> round(float(experts_touched(1, 256, 8)), 6), round(float(experts_touched(1000, 256, 8)), 1)
    (8.0, 256.0)
    """
    if experts <= 1:
        return np.ones_like(np.asarray(tokens, dtype=float))
    return experts * (1.0 - (1.0 - per_token / experts) ** np.asarray(tokens, dtype=float))
