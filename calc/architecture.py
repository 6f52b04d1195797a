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

    def __post_init__(self):
        for name in ("layers", "d_model", "heads", "vocab", "context", "experts", "experts_per_token"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InputError(name, f"expected a whole number >= 1, got {v!r}")
        for name in ("kv_heads", "d_ff"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise InputError(name, f"expected a whole number >= 1, got {v!r}")
        if self.d_model % self.heads:
            raise InputError("heads", f"{self.heads} heads do not divide d_model {self.d_model}")
        if self.heads % self.kv:
            raise InputError("kv_heads", f"{self.kv} key/value heads do not divide {self.heads} heads")
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

    def _parts(self) -> dict[str, int]:
        d, L, hd = self.d_model, self.layers, self.head_dim
        b = 1 if self.biases else 0
        norm = 2 * d if self.norm == "layernorm" else d
        q_out, kv_out = d, self.kv * hd
        attention = d * (q_out + 2 * kv_out) + b * (q_out + 2 * kv_out) + d * d + b * d
        one_expert = (3 if self.gated else 2) * d * self.ff + b * (self.ff + d)
        router = d * self.experts if self.experts > 1 else 0
        return {
            "embedding": self.vocab * d + (self.context * d if self.learned_positions else 0),
            "attention": L * attention,
            "feed-forward (one expert)": L * one_expert,
            "router": L * router,
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
        p["feed-forward"] = p.pop("feed-forward (one expert)") * self.experts
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
        elif count == "palm2022":
            flop = 6 * n + 12 * L * self.heads * self.head_dim * T
        elif count in ("megatron2021", "megatron2021-recompute"):
            k = 96 if count.endswith("recompute") else 72
            flop = k * L * d * d * (1 + T / (6 * d) + self.vocab / (16 * L * d))
        else:
            raise InputError("count", f"unknown FLOP count {count!r}; expected one of {', '.join(FLOP_COUNTS)}")
        return Q_(float(flop), "FLOP/token")

    def flop_breakdown(self, context: int | None = None) -> dict[str, pint.Quantity]:
        """Training FLOP per token by component: 3 x (2 x matrix parameters) + attention over context."""
        T = self.context if context is None else context
        p = self._parts()
        per = {
            "attention projections": 6 * p["attention"],
            "attention scores and values": 12 * self.layers * self.heads * self.head_dim * T,
            "feed-forward": 6 * p["feed-forward (one expert)"] * self.experts_per_token + 6 * p["router"],
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
                experts_per_token=int(r["experts_per_token"]),
            )
        except KeyError as exc:
            raise data.DataError(r.path, r.line, None, f"expected yes or no, got {exc.args[0]!r}") from None
        except InputError as exc:
            raise data.DataError(r.path, r.line, exc.field, exc.message) from None
        out[r["name"]] = (t, r)
    return out
