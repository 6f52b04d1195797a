"""A transformer's exact parameter counts, by component: attention (grouped-query or latent), feed-forward
(dense, routed and shared experts), norms, embeddings and the multi-token prediction modules.

The methods of ``Transformer`` that count its weights, kept apart from its shape (calc.architecture.transformer);
plain integer arithmetic over the shape's fields, totals returned as Quantities in ``param``.
"""

from __future__ import annotations

import pint

from calc.units import Q_

# Parameters per channel of one normalization layer: scale and shift, scale only, or none (OLMo 1).
NORMS = {"layernorm": 2, "layernorm-nobias": 1, "rmsnorm": 1, "nonparametric": 0}


class ParameterCounts:
    """The parameter counts of a ``Transformer`` (a base class: it reads the shape's fields and widths)."""

    __slots__ = ()

    def _bias(self, kind: str) -> int:
        own = getattr(self, kind)
        return int(self.biases if own is None else own)

    def _attention_matrices(self) -> int:
        """Weights of one layer's attention projections (matrix multiplies only)."""
        d, H = self.d_model, self.heads
        if self.kv_lora_rank is None:
            q, kv = H * self.head_width, self.kv * self.head_width
            return d * (q + 2 * kv) + q * d
        # latent attention (DeepSeek-V2 sec. 2.1): low-rank query and key/value
        q = d * self.q_lora_rank + self.q_lora_rank * H * self.qk_dim if self.q_lora_rank else d * H * self.qk_dim
        kv = d * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank * H * (self.qk_nope_head_dim
                                                                                      + self.v_head_dim)
        return q + kv + H * self.v_head_dim * d

    def _attention_vectors(self) -> int:
        """Biases and norms inside one layer's attention."""
        d, H, c = self.d_model, self.heads, NORMS[self.norm]
        bq, bo = self._bias("qkv_bias"), self._bias("out_bias")
        if self.kv_lora_rank is None:
            q, kv = H * self.head_width, self.kv * self.head_width
            qk = {"none": 0, "head": 2 * self.head_width, "full": q + kv}[self.qk_norm]
            return bq * (q + 2 * kv) + bo * d + c * qk + self.attention_sinks * H
        # the low-rank projections carry the bias and a norm each (q_a, kv_a); the up-projections none
        q = (bq + c) * self.q_lora_rank if self.q_lora_rank else 0
        return q + bq * (self.kv_lora_rank + self.qk_rope_head_dim) + c * self.kv_lora_rank + bo * d

    def _mamba_matrices(self) -> int:
        """Weights of one Mamba-2 layer's projections: in (d to z, x, B, C and dt: 2 d_inner + 2 G N + heads)
        and out (d_inner to d) [Dao2024] sec. 7.1, Fig. 6."""
        d, G, N = self.d_model, self.mamba_groups, self.ssm_state
        return d * (2 * self.d_inner + 2 * G * N + self.mamba_heads) + self.d_inner * d

    def _mamba_vectors(self) -> int:
        """One Mamba-2 layer's other parameters: the conv1d over x, B and C (weights and bias), dt's bias, A and
        D per head, and the gated norm before the out projection (Megatron-Core's MambaMixer)."""
        conv = self.d_inner + 2 * self.mamba_groups * self.ssm_state
        return conv * (self.conv_kernel + 1) + 3 * self.mamba_heads + NORMS[self.norm] * self.d_inner

    def _mlp(self, width: int, bias: int = 0) -> tuple[int, int]:
        """(matrix weights, biases) of one feed-forward of ``width``."""
        n = 3 if self.gated else 2
        return n * self.d_model * width, bias * ((n - 1) * width + self.d_model)

    def _parts(self) -> dict[str, int]:
        d, L, c = self.d_model, self.layers, NORMS[self.norm]
        moe = self.moe_layers
        bm = self._bias("mlp_bias")
        dense = sum(self._mlp(self.ff, bm))
        shared = sum(self._mlp(self.shared_ff, bm)) if self.shared_ff else 0
        return {
            "embedding": self.vocab * d,
            "position embedding": self.context * d if self.learned_positions else 0,
            "attention": self.attention_layers * (self._attention_matrices() + self._attention_vectors()),
            "mamba": self.mamba_layers * (self._mamba_matrices() + self._mamba_vectors()) if self.mamba_layers else 0,
            "feed-forward (dense layers)": self.dense_ffn_layers * dense,
            # fused expert weights carry no bias, but where the shape says so (GPT-OSS)
            "feed-forward (one expert)": moe * sum(self._mlp(self.expert_ff, int(self.expert_bias))),
            "shared experts": moe * (shared + (d if self.shared_expert_gate else 0)),
            "router": moe * (d + self.expert_bias) * self.experts,
            "norms": c * d * (L * self.norms_per_layer + 1 + self.embedding_norm),
            "unembedding": (0 if self.tied_embeddings else self.vocab * d) + self.unembedding_bias * self.vocab,
        }

    def params(self) -> pint.Quantity:
        """Every parameter, with all experts (what memory holds; multi-token prediction apart).

        Examples
        --------
        >>> from calc.architecture import Transformer
        >>> Transformer(layers=12, d_model=768, heads=12, vocab=50257, context=1024,
        ...             learned_positions=True, biases=True).params()
        <Quantity(124439808, 'param')>
        """
        p = self._parts()
        return Q_(sum(p.values()) + p["feed-forward (one expert)"] * (self.experts - 1), "param")

    def active_params(self) -> pint.Quantity:
        """Parameters used for one token (with ``experts_per_token`` experts)."""
        p = self._parts()
        return Q_(sum(p.values()) + p["feed-forward (one expert)"] * (self.experts_per_token - 1), "param")

    def _layer(self, moe: bool) -> int:
        """Parameters of one transformer layer, with experts or dense."""
        d, c = self.d_model, NORMS[self.norm]
        if moe:
            shared = sum(self._mlp(self.shared_ff, self._bias("mlp_bias"))) if self.shared_ff else 0
            ffn = (self.experts * sum(self._mlp(self.expert_ff, int(self.expert_bias))) + shared
                   + self.experts * (d + self.expert_bias) + (d if self.shared_expert_gate else 0))
        else:
            ffn = sum(self._mlp(self.ff, self._bias("mlp_bias")))
        return self._attention_matrices() + self._attention_vectors() + self.norms_per_layer * c * d + ffn

    def mtp_params(self) -> pint.Quantity:
        """Parameters of the multi-token prediction modules ([DeepSeekAI2024] sec. 2.2), not in ``params()``.

        Each module: two norms, a projection of 2 d to d, one transformer layer (with experts when
        the model has them) and the output head's norm; the embedding and output head are shared
        with the main model. DeepSeek-V3's one module: 11.6B (its "14B" counts the shared ones again).

        Examples
        --------
        >>> from calc.architecture import published
        >>> round(published()["DeepSeek-V3"][0].mtp_params().m_as("param") / 1e9, 1)
        11.6
        """
        d, c = self.d_model, NORMS[self.norm]
        per = self._layer(self.experts > 1) + 2 * d * d + 3 * c * d
        return Q_(self.mtp_modules * per, "param")

    def breakdown(self) -> dict[str, pint.Quantity]:
        """Parameters by component (routed experts counts every expert)."""
        p = self._parts()
        p["routed experts"] = p.pop("feed-forward (one expert)") * self.experts
        out = {k: Q_(v, "param") for k, v in p.items() if v}
        if self.mtp_modules:
            out["multi-token prediction (not in params)"] = self.mtp_params()
        return out

    def largest_layer(self) -> pint.Quantity:
        """Parameters of the largest single module, as ZeRO-3 gathers it (DeepSpeed's ``model_to_params``).

        The embedding or unembedding, a dense feed-forward matrix (gate and up together where the checkpoint
        stores them as one module, Phi-3's gate_up_proj), or, with experts stored as fused tensors per layer (as
        Hugging Face transformers does), one layer's routed experts.

        Examples
        --------
        >>> from calc.architecture import published
        >>> published()["Mixtral 8x7B"][0].largest_layer()   # 8 experts x 3 x 4096 x 14336
        <Quantity(1409286144, 'param')>
        """
        d = self.d_model
        fused = self.experts * self._mlp(self.expert_ff)[0] if self.moe_layers else 0
        output = self.vocab * d + (self.vocab if self.unembedding_bias else 0)
        ffn = (d + self._bias("mlp_bias")) * self.ff
        if self.fused_projections:  # one gate_up_proj of 2 ff rows, one qkv_proj (Phi-3): each gathered whole
            qkv = (d + self._bias("qkv_bias")) * (self.heads + 2 * self.kv) * self.head_width
            ffn = max(ffn * (2 if self.gated else 1), qkv if self.kv_lora_rank is None else 0)
        return Q_(max(self.vocab * d, output, fused, ffn), "param")
