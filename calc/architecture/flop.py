"""Training FLOP per token of a ``Transformer``, by named counts never mixed:

    kaplan2020     6 N                                  [Kaplan2020] sec. 2.1 (N: active, non-embedding
                                                        parameters in the paper; here all active ones)
    palm2022       6 N' + 12 L H Q T                    [Chowdhery2022] app. B (model FLOP; N' leaves out
                                                        the input embedding lookups, which cost no FLOP)
    megatron2021   72 L h^2 (1 + T/(6h) + V/(12 L h))   [Narayanan2021] eq. 3 without recomputation; with
                   96 L h^2 (1 + T/(6h) + V/(16 L h))   full recomputation (the logits, 6 V h, never re-run)
    exact          6 M + 6 L H (Q_k + Q_v) T            every matrix multiply of the forward and backward
                   (+ the forward once more under       pass, as ``torch.utils.flop_counter`` counts them:
                   recomputation)                       M the active weight matrices, incl. the unembedding

Model FLOP (what MFU divides) is ``palm2022``; ``exact`` with recomputation counts hardware FLOP.

The attention core counts each query against the keys it attends to: the whole sequence T on a full layer (as
[Chowdhery2022] app. B and torch's counter do, the causal mask not discounted), and min(T, w) on each of the
``window_layers`` layers with a local window w (GPT-OSS's sliding 128 on half its layers, Llama 4's chunks of 8,192
on 3 of 4): L T above becomes (L - L_w) T + L_w min(T, w).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from calc.errors import InputError, did_you_mean
from calc.vocabulary import RECOMPUTE

if TYPE_CHECKING:
    from calc.architecture.transformer import Transformer

FLOP_COUNTS = ("kaplan2020", "palm2022", "megatron2021", "megatron2021-recompute", "exact")


def attended(shape: Transformer, T: int) -> int:
    """Keys attended per query, summed over the attention layers: T on a full layer, min(T, w) on each of the
    ``window_layers`` layers with a local window w (sliding or chunked: each query sees at most w keys).

    >>> from calc.architecture.transformer import Transformer
    >>> oss = Transformer(layers=4, d_model=64, heads=4, vocab=100, context=4096, window=128, window_layers=2)
    >>> attended(oss, 4096), attended(oss, 100)
    (8448, 400)
    """
    windowed = shape.window_layers if shape.window is not None else 0
    return (shape.attention_layers - windowed) * T + windowed * min(T, shape.window or T)


def causal_span(T, window: int | None) -> float:
    """The causal sequence length whose masked attention does the work of a ``T``-token sequence on a layer with a
    local window w: T without a window (or T <= w), else 2 w - w^2 / T.

    A causal layer's queries attend to T^2 / 2 query-key pairs (FlashAttention counts a causal mask's FLOP so:
    half the full T^2, [Dao2023] sec. 4.1, benchmarks/benchmark_flash_attention.py ``flops(..., causal)``); with
    a window each query at position i attends to min(w, i) keys, T w - w^2 / 2 pairs, the pairs of a causal
    sequence 2 w - w^2 / T long. GPT-OSS: a sliding window of 128 on every other layer (config.json
    ``sliding_window``, ``layer_types``; gpt-oss model card, arXiv:2508.10925 sec. 2); Llama 4: chunks of 8,192
    (``attention_chunk_size``), for which min(w, i) bounds the keys a query sees. calc.serve's prefill counts the
    same pairs (``calc.serve.footprint.attended_span``).

    ``T`` may be an array (calc.serve's prompts), element by element.

    >>> causal_span(4096, None), causal_span(4096, 128), causal_span(100, 128)
    (4096, 252.0, 100)
    >>> causal_span(np.array([100.0, 4096.0]), 128)
    array([100., 252.])
    """
    if window is None:
        return T
    if np.ndim(T):
        T = np.asarray(T, dtype=float)
        return np.where(T > window, 2.0 * window - window * window / np.maximum(T, 1.0), T)
    if T <= window:
        return T
    return 2.0 * window - window * window / T


def per_token(shape: Transformer, count: str, T: int, recompute: str | None) -> float:
    """Training FLOP per token of ``shape`` at ``T`` tokens per sequence by ``count`` (a plain float: the
    caller, ``Transformer.flop_per_token``, attaches the unit and documents the arguments)."""
    if count == "megatron2021-recompute":
        count, recompute = "megatron2021", recompute or "full"
    recompute = recompute or "none"
    if recompute not in RECOMPUTE:
        raise InputError("recompute", f"expected one of {', '.join(RECOMPUTE)}, got {recompute!r}"
                                      f"{did_you_mean(recompute, RECOMPUTE)}")
    L, d, H = shape.layers, shape.d_model, shape.heads
    attention = 6 * H * (shape.qk_dim + shape.v_dim) * attended(shape, T)  # scores (Q K^T), values, fwd + bwd
    if shape.mamba_layers:  # a hybrid's Mamba-2 scans, forward + backward, counted as the attention core is
        attention += 3 * shape.mamba_layers * shape.ssd_flop
    if count in ("kaplan2020", "palm2022") and recompute != "none":
        raise InputError("recompute", f"{count} counts model FLOP, which leave recomputation out; "
                                      "use exact or megatron2021")
    if count == "kaplan2020":
        flop = 6 * shape.active_params().m_as("param")
    elif count == "palm2022":  # 12 L H Q T with Q = head width; latent attention: 6 L H (qk + v) T
        lookups = shape._parts()["position embedding"] + (0 if shape.tied_embeddings else shape.vocab * d)
        flop = 6 * (shape.active_params().m_as("param") - lookups) + attention
    elif count == "megatron2021":
        if not shape.is_megatron_shape:
            raise InputError("count", "Narayanan et al.'s eq. 3 assumes a dense transformer with full attention "
                                      "and a 4 x width feed-forward; use palm2022 or exact for this shape")
        if recompute == "selective":
            raise InputError("recompute", "Narayanan et al.'s eq. 3 has no selective recomputation; use exact")
        layer_part = 72 * L * d * d * (1 + T / (6 * d)) * (4 / 3 if recompute == "full" else 1)
        flop = layer_part + 6 * shape.vocab * d
    elif count == "exact":
        m = shape.matmul_params()
        flop = 6 * sum(m.values()) + attention
        if recompute == "full":  # one more forward of every layer; the logits are not re-run
            flop += 2 * (m["attention projections"] + m["feed-forward"] + m.get("mamba projections", 0)) + attention / 3
        elif recompute == "selective":
            flop += attention / 3
    else:
        raise InputError("count", f"unknown FLOP count {count!r}; expected one of {', '.join(FLOP_COUNTS)}"
                                  f"{did_you_mean(count, FLOP_COUNTS)}")
    return flop
