"""A transformer's shape: exact parameter counts and training FLOP per token.

Shape numbers (layers, width, heads) are plain ints; totals are Quantities. Three counts of
training FLOP per token, named and never mixed:

    kaplan2020     6 N                                  [Kaplan2020] sec. 2.1 (N: active, non-embedding
                                                        parameters in the paper; here all active ones)
    palm2022       6 N + 12 L H Q T                     [Chowdhery2022] app. B (model FLOP: attention
                                                        scores and values over context T)
    megatron2021   96 L h^2 (1 + T/(6h) + V/(16 L h))   [Narayanan2021] eq. 3, hardware FLOP with full
                   / (4/3 without recomputation)        activation recomputation (72 without)

Model FLOP (what MFU divides) is ``palm2022``; ``megatron2021`` with recomputation counts
hardware FLOP, the forward pass done twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pint

from calc import data
from calc.errors import InputError
from calc.units import Q_

FLOP_COUNTS = ("kaplan2020", "palm2022", "megatron2021", "megatron2021-recompute")


@dataclass(frozen=True)
class Transformer:
    """A decoder-only transformer's shape.

    ``kv_heads`` < ``heads`` is grouped-query attention; ``gated`` a SwiGLU-style feed-forward
    (three matrices); ``experts`` > 1 a mixture of experts in every feed-forward layer, of which
    ``experts_per_token`` are used for each token.
    """

    layers: int
    d_model: int
    heads: int
    vocab: int
    context: int
    kv_heads: int | None = None
    d_ff: int | None = None  # default 4 d_model (or 8/3 d_model when gated)
    gated: bool = False
    tied_embeddings: bool = True
    learned_positions: bool = False
    biases: bool = False
    norm: str = "layernorm"  # or "rmsnorm"
    experts: int = 1
    experts_per_token: int = 1
    shared_experts: int = 0  # always-active experts (DeepSeek-V3: 1)
    expert_d_ff: int | None = None  # an expert's width, when it differs from d_ff
    dense_layers: int = 0  # leading layers with a dense feed-forward of width d_ff, before the experts
    # Multi-head latent attention (DeepSeek-V2/V3), used when kv_lora_rank is set:
    q_lora_rank: int | None = None
    kv_lora_rank: int | None = None
    qk_nope_head_dim: int | None = None
    qk_rope_head_dim: int | None = None
    v_head_dim: int | None = None

    def __post_init__(self):
        for name in ("layers", "d_model", "heads", "vocab", "context", "experts", "experts_per_token"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InputError(name, f"expected a whole number >= 1, got {v!r}")
        for name in ("kv_heads", "d_ff", "expert_d_ff", "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
                     "qk_rope_head_dim", "v_head_dim"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise InputError(name, f"expected a whole number >= 1, got {v!r}")
        if self.kv_lora_rank is None and self.d_model % self.heads:
            raise InputError("heads", f"{self.heads} heads do not divide d_model {self.d_model}")
        if self.heads % self.kv:
            raise InputError("kv_heads", f"{self.kv} key/value heads do not divide {self.heads} heads")
        if isinstance(self.dense_layers, bool) or not isinstance(self.dense_layers, int) or not 0 <= self.dense_layers <= self.layers:
            raise InputError("dense_layers", f"expected a whole number from 0 to {self.layers}, got {self.dense_layers!r}")
        if self.kv_lora_rank is not None and None in (self.qk_nope_head_dim, self.qk_rope_head_dim, self.v_head_dim):
            raise InputError("kv_lora_rank", "latent attention needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim")
        if self.experts_per_token > self.experts:
            raise InputError("experts_per_token", f"{self.experts_per_token} is more than the {self.experts} experts")
        if self.norm not in ("layernorm", "rmsnorm"):
            raise InputError("norm", f"expected layernorm or rmsnorm, got {self.norm!r}")

    @property
    def kv(self) -> int:
        """Key/value heads (all heads without grouped-query attention)."""
        return self.kv_heads or self.heads

    @property
    def head_dim(self) -> int:
        """Width of one attention head."""
        return self.d_model // self.heads

    @property
    def ff(self) -> int:
        """Feed-forward width."""
        return self.d_ff or (8 * self.d_model // 3 if self.gated else 4 * self.d_model)

    # ----------------------------------------------------------------------- parameters

    @property
    def qk_dim(self) -> int:
        """Width of a head's query and key (latent attention: nope + rope parts)."""
        return self.head_dim if self.kv_lora_rank is None else self.qk_nope_head_dim + self.qk_rope_head_dim

    @property
    def v_dim(self) -> int:
        """Width of a head's value."""
        return self.head_dim if self.kv_lora_rank is None else self.v_head_dim

    def _attention(self) -> int:
        d, H, b = self.d_model, self.heads, 1 if self.biases else 0
        if self.kv_lora_rank is None:
            q_out, kv_out = d, self.kv * self.head_dim
            return d * (q_out + 2 * kv_out) + b * (q_out + 2 * kv_out) + d * d + b * d
        # latent attention (DeepSeek-V2 sec. 2.1): low-rank query and key/value with their norms
        q = (d * self.q_lora_rank + self.q_lora_rank + self.q_lora_rank * H * self.qk_dim if self.q_lora_rank
             else d * H * self.qk_dim)
        kv = d * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank \
            + self.kv_lora_rank * H * (self.qk_nope_head_dim + self.v_head_dim)
        return q + kv + H * self.v_head_dim * d

    def _mlp(self, width: int) -> int:
        b = 1 if self.biases else 0
        return (3 if self.gated else 2) * self.d_model * width + b * (width + self.d_model)

    def _parts(self) -> dict[str, int]:
        d, L = self.d_model, self.layers
        norm = 2 * d if self.norm == "layernorm" else d
        moe_layers = L - self.dense_layers if self.experts > 1 else 0
        dense_layers = L - moe_layers
        expert = self._mlp(self.expert_d_ff or self.ff)
        return {
            "embedding": self.vocab * d + (self.context * d if self.learned_positions else 0),
            "attention": L * self._attention(),
            "feed-forward (dense layers)": dense_layers * self._mlp(self.ff),
            "feed-forward (one expert)": moe_layers * expert,
            "shared experts": moe_layers * self.shared_experts * expert,
            "router": moe_layers * d * self.experts,
            "norms": L * 2 * norm + norm,
            "unembedding": 0 if self.tied_embeddings else self.vocab * d,
        }

    def params(self) -> pint.Quantity:
        """Every parameter, with all experts (what memory holds).

        Examples
        --------
        >>> Transformer(layers=12, d_model=768, heads=12, vocab=50257, context=1024,
        ...             learned_positions=True, biases=True).params()
        <Quantity(124439808, 'param')>
        """
        p = self._parts()
        total = sum(p.values()) + p["feed-forward (one expert)"] * (self.experts - 1)
        return Q_(total, "param")

    def active_params(self) -> pint.Quantity:
        """Parameters used for one token (with ``experts_per_token`` experts)."""
        p = self._parts()
        total = sum(p.values()) + p["feed-forward (one expert)"] * (self.experts_per_token - 1)
        return Q_(total, "param")

    def breakdown(self) -> dict[str, pint.Quantity]:
        """Parameters by component (feed-forward counts every expert)."""
        p = self._parts()
        p["routed experts"] = p.pop("feed-forward (one expert)") * self.experts
        return {k: Q_(v, "param") for k, v in p.items() if v}

    # ----------------------------------------------------------------------- FLOP

    def flop_per_token(self, count: str = "palm2022", context: int | None = None) -> pint.Quantity:
        """Training FLOP per token by one of ``FLOP_COUNTS`` (see the module docstring)."""
        T = self.context if context is None else context
        if isinstance(T, bool) or not isinstance(T, int) or T < 1:
            raise InputError("context", f"expected a whole number >= 1, got {T!r}")
        n = self.active_params().m_as("param")
        L, d = self.layers, self.d_model
        if count == "kaplan2020":
            flop = 6 * n
        elif count == "palm2022":  # 12 L H Q T with Q = head width; latent attention: 6 L H (qk + v) T
            flop = 6 * n + 6 * L * self.heads * (self.qk_dim + self.v_dim) * T
        elif count in ("megatron2021", "megatron2021-recompute"):
            if not self.is_megatron_shape:
                raise InputError("count", "Narayanan et al.'s eq. 3 assumes a dense transformer with full attention and "
                                          "a 4 x width feed-forward; use palm2022 for this shape")
            k = 96 if count.endswith("recompute") else 72
            flop = k * L * d * d * (1 + T / (6 * d) + self.vocab / (16 * L * d))
        else:
            raise InputError("count", f"unknown FLOP count {count!r}; expected one of {', '.join(FLOP_COUNTS)}")
        return Q_(float(flop), "FLOP/token")

    def as_inputs(self, count: str = "palm2022", context: int | None = None) -> dict[str, pint.Quantity]:
        """The shape as inputs of ``calc.estimate``: params, active_params and flop_per_param_token.

        Examples
        --------
        >>> import calc
        >>> gpt3 = published()["GPT-3 175B"][0]
        >>> est = calc.estimate(**gpt3.as_inputs(), tokens="300e9 token")
        >>> round(est.compute.m_as("FLOP") / 3.14e23, 3)
        1.029
        """
        k = self.flop_per_token(count, context) / self.active_params()
        return {"params": self.params(), "active_params": self.active_params(),
                "flop_per_param_token": k.to("FLOP/param/token")}

    @property
    def is_megatron_shape(self) -> bool:
        """Whether Narayanan et al.'s eq. 3 applies: dense, full attention, a 4 x width plain feed-forward."""
        return (self.experts == 1 and self.kv == self.heads and not self.gated and self.ff == 4 * self.d_model
                and self.kv_lora_rank is None)

    def flop_breakdown(self, context: int | None = None) -> dict[str, pint.Quantity]:
        """Training FLOP per token by component: 3 x (2 x matrix parameters) + attention over context."""
        T = self.context if context is None else context
        p = self._parts()
        per = {
            "attention projections": 6 * p["attention"],
            "attention scores and values": 6 * self.layers * self.heads * (self.qk_dim + self.v_dim) * T,
            "feed-forward": 6 * (p["feed-forward (dense layers)"] + p["feed-forward (one expert)"] * self.experts_per_token
                                 + p["shared experts"] + p["router"]),
            "logits": 6 * self.vocab * self.d_model,
        }
        return {k: Q_(float(v), "FLOP/token") for k, v in per.items()}

    def six_nd_gap(self, context: int | None = None) -> float:
        """How far 6N is from the PaLM count for this shape: palm2022 / kaplan2020 - 1."""
        return float(self.flop_per_token("palm2022", context) / self.flop_per_token("kaplan2020")) - 1


@cache
def published() -> dict[str, tuple[Transformer, data.Row]]:
    """The shapes of data/architectures.csv, with their rows (reported counts and sources)."""
    out = {}
    for r in data.architecture_rows():
        yes = {"yes": True, "no": False}
        try:
            t = Transformer(
                layers=int(r["layers"]), d_model=int(r["d_model"]), heads=int(r["heads"]),
                kv_heads=int(r["kv_heads"]) if r["kv_heads"] else None, d_ff=int(r["d_ff"]) if r["d_ff"] else None,
                gated=yes[r["gated"]], vocab=int(r["vocab"]), context=int(r["context"]),
                tied_embeddings=yes[r["tied_embeddings"]], learned_positions=yes[r["learned_positions"]],
                biases=yes[r["biases"]], norm=r["norm"], experts=int(r["experts"]),
                experts_per_token=int(r["experts_per_token"]), shared_experts=int(r["shared_experts"] or 0),
                expert_d_ff=_int(r["expert_d_ff"]), dense_layers=int(r["dense_layers"] or 0),
                q_lora_rank=_int(r["q_lora_rank"]), kv_lora_rank=_int(r["kv_lora_rank"]),
                qk_nope_head_dim=_int(r["qk_nope_head_dim"]), qk_rope_head_dim=_int(r["qk_rope_head_dim"]),
                v_head_dim=_int(r["v_head_dim"]),
            )
        except KeyError as exc:
            raise data.DataError(r.path, r.line, None, f"expected yes or no, got {exc.args[0]!r}") from None
        except InputError as exc:
            raise data.DataError(r.path, r.line, exc.field, exc.message) from None
        out[r["name"]] = (t, r)
    return out


def _int(x):
    return None if x is None else int(x)
