"""A transformer's shape: its fields, derived widths and sequence checks (its exact parameter counts are in
``calc.architecture.parameters``).

Shape numbers (layers, width, heads) are plain ints; totals are Quantities. A shape comes from its
fields, from a Hugging Face ``config.json`` (``Transformer.from_config``, read by
``calc.architecture.families``) or from ``data/architectures.csv`` (``calc.architecture.published``).
Training FLOP per token, by named counts never mixed, are in ``calc.architecture.flop``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pint

from calc.architecture import flop
from calc.architecture.config import shape_fields
from calc.architecture.parameters import NORMS, ParameterCounts
from calc.display import number
from calc.errors import InputError, did_you_mean
from calc.reader import whole as _whole
from calc.units import Q_

# Query/key normalization: none, one norm of a head's width shared by the heads (Qwen3), or one over
# all heads' channels (OLMo 2).
QK_NORMS = ("none", "head", "full")
LAYER_KINDS = "M*-E"  # a hybrid stack's layers: Mamba-2, attention, dense feed-forward, mixture of experts


# the pre-training sequence where a model's context is longer (Llama 3.1: 8K, then 128K, [Dubey2024] sec. 3.4)
LONGEST_SEQUENCE = 8192


@dataclass(frozen=True)
class Transformer(ParameterCounts):
    """A decoder-only transformer's shape.

    ``kv_heads`` < ``heads`` is grouped-query attention; ``gated`` a SwiGLU-style feed-forward
    (three matrices); ``experts`` > 1 a mixture of experts on every layer but ``dense_layers`` of
    them, ``experts_per_token`` used for each token. Biases: ``biases`` puts one on every linear
    layer; ``qkv_bias``, ``out_bias`` and ``mlp_bias`` override it per kind (Qwen2: q, k and v only).

    Examples
    --------
    >>> gemma = Transformer(layers=28, d_model=3072, heads=16, head_dim=256, d_ff=24576, gated=True,
    ...                     vocab=256000, context=8192, norm="rmsnorm")
    >>> gemma.params()
    <Quantity(8537680896, 'param')>
    """

    layers: int
    d_model: int
    heads: int
    vocab: int
    context: int
    kv_heads: int | None = None
    head_dim: int | None = None  # default d_model // heads (Gemma, Qwen3: set apart)
    d_ff: int | None = None  # default 4 d_model (or 8/3 d_model when gated)
    gated: bool = False
    tied_embeddings: bool = True
    unembedding_bias: bool = False  # a bias on the output layer (GPT-J)
    learned_positions: bool = False
    biases: bool = False
    qkv_bias: bool | None = None
    out_bias: bool | None = None
    mlp_bias: bool | None = None
    norm: str = "layernorm"  # a key of NORMS
    norms_per_layer: int = 2  # 1: one norm shared by a parallel block (GPT-J, Falcon-7B); 4: sandwich (Gemma 2)
    qk_norm: str = "none"  # a value of QK_NORMS
    embedding_norm: bool = False  # a norm right after the token embedding (BLOOM)
    parallel_block: bool = False  # attention and feed-forward side by side (GPT-J, GPT-NeoX, Falcon, PaLM)
    experts: int = 1
    experts_per_token: int = 1
    shared_experts: int = 0  # always-active experts of the routed experts' width (DeepSeek-V3: 1)
    expert_d_ff: int | None = None  # a routed expert's width, when it differs from d_ff
    shared_d_ff: int | None = None  # the shared experts' total width, when not shared_experts x expert_d_ff
    shared_expert_gate: bool = False  # a sigmoid gate (d_model -> 1) on the shared expert (Qwen2-MoE)
    dense_layers: int = 0  # layers with a dense feed-forward of width d_ff instead of experts
    # Group-limited routing (DeepSeek-V3's node-limited routing, [DeepSeekAI2024] sec. 2.1.2): the routed experts in
    # ``expert_groups`` groups, each token's experts from at most ``groups_per_token`` of them (config.json's n_group,
    # topk_group: 8 and 4); 0: not limited
    expert_groups: int = 0
    groups_per_token: int = 0
    # Multi-head latent attention (DeepSeek-V2/V3), used when kv_lora_rank is set:
    q_lora_rank: int | None = None
    kv_lora_rank: int | None = None
    qk_nope_head_dim: int | None = None
    qk_rope_head_dim: int | None = None
    v_head_dim: int | None = None
    mtp_modules: int = 0  # multi-token prediction modules (DeepSeek-V3: 1), trained but not in params()
    # Hybrid attention / Mamba-2 stacks (Nemotron-H): one character per layer, each layer one block with its own
    # norm and residual: M a Mamba-2 mixer, * attention, - a dense feed-forward, E a mixture of experts (Nemotron-H's
    # hybrid_override_pattern, Megatron-Core's hybrid_layer_pattern). None: every layer attention + feed-forward.
    layer_pattern: str | None = None
    mamba_heads: int = 0  # Mamba-2 heads of mamba_head_dim channels: d_inner = mamba_heads x mamba_head_dim
    mamba_head_dim: int = 64
    ssm_state: int = 128  # N, the state size per channel [Dao2024] sec. 7
    mamba_groups: int = 8  # groups sharing B and C (as grouped-query attention shares keys and values)
    conv_kernel: int = 4  # the causal depthwise conv1d's width
    ssd_chunk: int = 128  # Q, the SSD algorithm's chunk length [Dao2024] sec. 6
    expert_bias: bool = False  # biases on each routed expert's projections and on the router (GPT-OSS)
    attention_sinks: bool = False  # one learned softmax logit per head and layer (GPT-OSS)
    fused_projections: bool = False  # q, k and v stored as one module, gate and up as another (Phi-3's qkv_proj, gate_up_proj)
    # Local attention on some layers: each of ``window_layers`` layers attends to (and caches) at most the last
    # ``window`` tokens, sliding (Mistral, GPT-OSS: 128 on every other layer) or in chunks of ``window`` (Llama 4:
    # 8,192 on 3 layers of 4, a bound on what a chunk caches); the others attend to the whole sequence.
    window: int | None = None
    window_layers: int = 0
    # The routed experts' stored weight format in the published checkpoint, when it differs from the rest (GPT-OSS:
    # "mxfp4" from config.json's quantization_config, attention, router and embeddings left in BF16); serving holds and
    # reads the experts in it (``calc.serve``); None: as the other weights.
    expert_precision: str | None = None
    # The published checkpoint's weight format where its config.json's quantization_config states a block-scaled FP8
    # one (quant_method fp8, weight_block_size: DeepSeek-V3/R1, Kimi K2 in E4M3 with 128 x 128 blocks); serving holds
    # the weights in it by default on a chip with an FP8 peak (``calc.serve.load.default_precision``); None: the
    # checkpoint states none (16-bit). Not part of the shape: the same architecture in another format is the same shape.
    checkpoint_precision: str | None = field(default=None, compare=False, repr=False)
    # Where ``context`` comes from, for the doors to say (a config.json's field, a table's row); not part of the shape.
    context_source: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        for name in ("layers", "d_model", "heads", "vocab", "context", "experts", "experts_per_token",
                     "norms_per_layer"):
            _whole(name, getattr(self, name), 1)
        for name in ("kv_heads", "head_dim", "d_ff", "expert_d_ff", "shared_d_ff", "q_lora_rank", "kv_lora_rank",
                     "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
            if getattr(self, name) is not None:
                _whole(name, getattr(self, name), 1)
        for name in ("shared_experts", "mtp_modules", "window_layers", "expert_groups", "groups_per_token"):
            _whole(name, getattr(self, name), 0)
        if self.window is not None:
            _whole("window", self.window, 1)
        if self.window_layers > self.layers or (self.window_layers and self.window is None):
            raise InputError("window_layers", f"expected 0 to {self.layers} layers with a window (and a window), "
                                              f"got {self.window_layers} with window {self.window}")
        for name in ("gated", "tied_embeddings", "unembedding_bias", "learned_positions", "biases", "embedding_norm", "parallel_block",
                     "shared_expert_gate", "expert_bias", "attention_sinks"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(name, f"expected true or false, got {getattr(self, name)!r}")
        if self.checkpoint_precision is not None and not isinstance(self.checkpoint_precision, str):
            raise InputError("checkpoint_precision", f"expected a weight format such as 'fp8' or nothing, "
                                                     f"got {self.checkpoint_precision!r:.40}")
        if self.expert_precision is not None and not isinstance(self.expert_precision, str):
            raise InputError("expert_precision", f"expected a weight format such as 'mxfp4' or nothing, "
                                                 f"got {self.expert_precision!r:.40}")
        for name in ("qkv_bias", "out_bias", "mlp_bias"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), bool):
                raise InputError(name, f"expected true, false or nothing, got {getattr(self, name)!r}")
        if self.kv_lora_rank is None and self.head_dim is None and self.d_model % self.heads:
            raise InputError("heads", f"{self.heads} heads do not divide d_model {self.d_model} (give head_dim)")
        if self.heads % self.kv:
            raise InputError("kv_heads", f"{self.kv} key/value heads do not divide {self.heads} heads")
        _whole("dense_layers", self.dense_layers, 0)
        if self.dense_layers > self.layers:
            raise InputError("dense_layers", f"expected a whole number from 0 to {self.layers}, got {self.dense_layers}")
        if self.kv_lora_rank is not None and None in (self.qk_nope_head_dim, self.qk_rope_head_dim, self.v_head_dim):
            raise InputError("kv_lora_rank", "latent attention needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim")
        if self.experts_per_token > self.experts:
            raise InputError("experts_per_token", f"{self.experts_per_token} is more than the {self.experts} experts")
        if self.norm not in NORMS:
            raise InputError("norm", f"expected one of {', '.join(NORMS)}, got {self.norm!r}{did_you_mean(self.norm, NORMS)}")
        if self.qk_norm not in QK_NORMS:
            raise InputError("qk_norm", f"expected one of {', '.join(QK_NORMS)}, got {self.qk_norm!r}"
                                        f"{did_you_mean(self.qk_norm, QK_NORMS)}")
        if self.layer_pattern is not None:
            pattern = self.layer_pattern
            if not isinstance(pattern, str) or set(pattern) - set(LAYER_KINDS) or len(pattern) != self.layers:
                raise InputError("layer_pattern", f"expected {self.layers} characters of {LAYER_KINDS} (M Mamba-2, "
                                                  f"* attention, - feed-forward, E experts), got {pattern!r}")
            if "M" in pattern:
                for name in ("mamba_heads", "mamba_head_dim", "ssm_state", "mamba_groups", "conv_kernel", "ssd_chunk"):
                    _whole(name, getattr(self, name), 1)
                if self.mamba_heads % self.mamba_groups:
                    raise InputError("mamba_groups", f"{self.mamba_groups} groups do not divide {self.mamba_heads} "
                                                     "Mamba heads")

    # ----------------------------------------------------------------------- derived widths

    @property
    def training_sequence(self) -> int:
        """The sequence a run of this shape pre-trains at where none is given: its ``context``, at most
        ``LONGEST_SEQUENCE`` (runs train short and extend the context at the end: Llama 3.1 at 8K, then 128K
        [Dubey2024] sec. 3.4). The one default of every training door: the FLOP per token (``flop_per_token``,
        ``python -m calc params``), the memory (``calc.memory``), the layout search and the step (``calc.perf``),
        ``estimate`` and ``compare``; serving reads a request's own tokens instead.

        >>> from calc.architecture import published
        >>> published()["Llama 3.1 405B"][0].training_sequence, published()["GPT-3 175B"][0].training_sequence
        (8192, 2048)
        """
        return int(min(self.context, LONGEST_SEQUENCE))

    @property
    def kv(self) -> int:
        """Key/value heads (all heads without grouped-query attention)."""
        return self.kv_heads or self.heads

    @property
    def head_width(self) -> int:
        """Width of one attention head (``head_dim``, else d_model / heads)."""
        return self.head_dim or self.d_model // self.heads

    @property
    def ff(self) -> int:
        """Feed-forward width of the dense layers."""
        return self.d_ff or (8 * self.d_model // 3 if self.gated else 4 * self.d_model)

    @property
    def expert_ff(self) -> int:
        """A routed expert's width."""
        return self.expert_d_ff or self.ff

    @property
    def shared_ff(self) -> int:
        """The shared experts' total width (0 without)."""
        return self.shared_d_ff if self.shared_d_ff is not None else self.shared_experts * self.expert_ff

    @property
    def moe_layers(self) -> int:
        """Layers whose feed-forward is a mixture of experts."""
        if self.layer_pattern is not None:
            return self.layer_pattern.count("E")
        return self.layers - self.dense_layers if self.experts > 1 else 0

    @property
    def attention_layers(self) -> int:
        """Layers with attention (all but a hybrid stack's Mamba and feed-forward-only layers)."""
        return self.layers if self.layer_pattern is None else self.layer_pattern.count("*")

    @property
    def dense_ffn_layers(self) -> int:
        """Layers with a dense feed-forward of width ``ff``."""
        return self.layers - self.moe_layers if self.layer_pattern is None else self.layer_pattern.count("-")

    @property
    def mamba_layers(self) -> int:
        """A hybrid stack's Mamba-2 layers."""
        return 0 if self.layer_pattern is None else self.layer_pattern.count("M")

    @property
    def d_inner(self) -> int:
        """A Mamba-2 layer's inner width, heads x head width (Nemotron-H: 64 x 64)."""
        return self.mamba_heads * self.mamba_head_dim

    @property
    def ssd_flop(self) -> float:
        """Forward FLOP per token of one Mamba-2 layer's SSD scan, the chunked algorithm's four steps [Dao2024]
        sec. 6: within each chunk of Q tokens C B^T (2 Q N per group) and its product with X (2 Q P per head),
        the chunk's state B^T X and the output from the states C h (2 N P each per head)."""
        Q, N, P = self.ssd_chunk, self.ssm_state, self.mamba_head_dim
        return float(2 * Q * N * self.mamba_groups + self.mamba_heads * (2 * Q * P + 4 * N * P))

    @property
    def qk_dim(self) -> int:
        """Width of a head's query and key (latent attention: nope + rope parts)."""
        return self.head_width if self.kv_lora_rank is None else self.qk_nope_head_dim + self.qk_rope_head_dim

    @property
    def v_dim(self) -> int:
        """Width of a head's value."""
        return self.head_width if self.kv_lora_rank is None else self.v_head_dim

    # ----------------------------------------------------------------------- FLOP

    def matmul_params(self) -> dict[str, int]:
        """Weights one token multiplies, by component (active experts only; no lookups, norms or biases)."""
        moe = self.moe_layers
        ffn = self.dense_ffn_layers * self._mlp(self.ff)[0] + moe * (
            self.experts_per_token * self._mlp(self.expert_ff)[0] + self.experts * self.d_model
            + (self._mlp(self.shared_ff)[0] if self.shared_ff else 0) + (self.d_model if self.shared_expert_gate else 0))
        out = {"attention projections": self.attention_layers * self._attention_matrices(), "feed-forward": ffn,
               "logits": self.vocab * self.d_model}
        if self.mamba_layers:
            out["mamba projections"] = self.mamba_layers * self._mamba_matrices()
        return out

    def flop_breakdown(self, context: int | None = None, *, sequence: int | None = None) -> dict[str, pint.Quantity]:
        """Exact training FLOP per token by component, without recomputation.

        3 x (2 x the weights a token multiplies) + attention scores and values over the sequence:
        forward 2 per weight, backward twice that (gradients of input and weight).

        Examples
        --------
        >>> from calc.architecture import published
        >>> gpt2 = published()["GPT-2 small"][0]
        >>> round(sum(gpt2.flop_breakdown().values()).m_as("FLOP/token") / 1e8, 3)
        8.544
        """
        T = self._sequence(context, sequence)
        per = {k: 6 * v for k, v in self.matmul_params().items()}
        per = {"attention projections": per["attention projections"],
               "attention scores and values": 6 * self.attention_layers * self.heads * (self.qk_dim + self.v_dim) * T,
               "feed-forward": per["feed-forward"], "logits": per["logits"]}
        if self.mamba_layers:
            per["mamba projections"] = 6 * self.matmul_params()["mamba projections"]
            per["mamba scan"] = 3 * self.mamba_layers * self.ssd_flop
        return {k: Q_(float(v), "FLOP/token") for k, v in per.items()}

    def _sequence(self, context, sequence) -> int:
        T = sequence if sequence is not None else (self.training_sequence if context is None else context)
        name = "sequence" if sequence is not None else "context"
        return self.check_sequence(T, name)

    def check_sequence(self, sequence, name: str = "sequence") -> int:
        """``sequence`` tokens per sequence, refused beyond the shape's ``context`` when its positions are
        learned (there is no embedding for position 2,049 of GPT-3); rotary or relative positions can be
        stretched (Llama 3.1's 8K to 128K), so there ``sequence_note`` says so instead.

        >>> from calc.architecture import published
        >>> published()["GPT-3 175B"][0].check_sequence(4096)
        Traceback (most recent call last):
        ...
        calc.errors.InputError: sequence: expected at most the model's 2,048 positions (learned position embeddings), got 4,096; ...
        """
        _whole(name, sequence, 1)
        if sequence > self.context and self.learned_positions:
            raise InputError(name, f"expected at most the model's {self.context:,} positions (learned position "
                                   f"embeddings), got {sequence:,}; a longer sequence needs a shape with more "
                                   "positions (the model's context length: Transformer(context=...), or a config.json with more positions)")
        return sequence

    def sequence_note(self, sequence: int | None, what: str = "sequence") -> str | None:
        """A warning for a sequence beyond the shape's context (its positions stretched past what it was
        trained at, as a long-context phase does), else None; the one text every door shows. ``what`` names the
        tokens counted (serving: "input + output tokens of a request")."""
        if sequence is None or sequence <= self.context:
            return None
        if self.learned_positions:  # GPT-2 served 1,000 + 1,000 tokens was said to stretch its positions, as a
            # rotary shape's can; a learned table has no row past its context (training refuses it: check_sequence)
            return (f"{what}: {sequence:,} tokens is {_beyond(sequence, self.context)} the shape's {self.context:,} "
                    f"positions, and its position embeddings are learned: it has none past {self.context:,}, so no "
                    f"engine serves this request; give at most {self.context:,} for the {what.split(' of ')[0]}")
        return (f"{what}: {sequence:,} tokens is {_beyond(sequence, self.context)} the shape's context of "
                f"{self.context:,}: positions stretched beyond what it was trained at (a long-context phase, "
                f"as Llama 3.1's 8K to 128K); check the {what.split(' of ')[0]}, or give the shape a longer context")

    def flop_per_token(self, count: str = "palm2022", context: int | None = None, *, sequence: int | None = None,
                       recompute: str | None = None) -> pint.Quantity:
        """Training FLOP per token by one of ``FLOP_COUNTS`` (see ``calc.architecture.flop``).

        Parameters
        ----------
        count : str
            ``kaplan2020``, ``palm2022``, ``megatron2021``, ``megatron2021-recompute`` or ``exact``.
        context, sequence : int, optional
            Tokens per sequence (default: ``training_sequence``, the context at most 8,192); ``sequence`` is
            the preferred name.
        recompute : str, optional
            ``none``, ``selective`` (attention scores and values re-run, [Korthikanti2022] sec. 4.2)
            or ``full`` (every layer's forward re-run); for ``exact`` and ``megatron2021`` only, since
            the model FLOP counts leave recomputation out by definition.

        Returns
        -------
        pint.Quantity
            FLOP/token.

        Examples
        --------
        >>> from calc.architecture import published
        >>> gpt2 = published()["GPT-2 small"][0]   # [Narayanan2021] eq. 3: 72 L d^2 + 12 L T d + 6 V d
        >>> gpt2.flop_per_token("megatron2021").m_as("FLOP/token")
        854438400.0
        """
        T = self._sequence(context, sequence)
        return Q_(float(flop.per_token(self, count, T, recompute)), "FLOP/token")

    def as_inputs(self, count: str = "palm2022", context: int | None = None) -> dict[str, pint.Quantity]:
        """The shape as inputs of ``calc.estimate``: params, active_params and flop_per_param_token.

        Examples
        --------
        >>> import calc
        >>> from calc.architecture import published
        >>> gpt3 = published()["GPT-3 175B"][0]
        >>> est = calc.estimate(**gpt3.as_inputs(), tokens="300e9 token")
        >>> round(est.compute.m_as("FLOP") / 3.14e23, 3)
        1.028
        """
        k = self.flop_per_token(count, context) / self.active_params()
        return {"params": self.params(), "active_params": self.active_params(),
                "flop_per_param_token": k.to("FLOP/param/token")}

    @property
    def is_megatron_shape(self) -> bool:
        """Whether Narayanan et al.'s eq. 3 applies: dense, full attention, a 4 x width plain feed-forward."""
        return (self.experts == 1 and self.kv == self.heads and not self.gated and self.ff == 4 * self.d_model
                and self.kv_lora_rank is None and self.head_width * self.heads == self.d_model
                and self.layer_pattern is None)

    def six_nd_gap(self, context: int | None = None) -> float:
        """How far 6N is from the PaLM count for this shape: palm2022 / kaplan2020 - 1."""
        return float(self.flop_per_token("palm2022", context) / self.flop_per_token("kaplan2020")) - 1

    # ----------------------------------------------------------------------- from a config.json

    @classmethod
    def from_config(cls, config) -> Transformer:
        """The shape a Hugging Face ``config.json`` describes, read offline.

        Parameters
        ----------
        config : dict, str or path
            The parsed config, or the path of a ``config.json``. Its ``model_type`` must be one of
            ``CONFIG_TYPES``; a field that the type's defaults do not supply must be present.

        Raises
        ------
        InputError
            Field ``config``: unreadable file, unknown ``model_type`` (listing the known ones), a
            missing or malformed field (named).

        Examples
        --------
        >>> Transformer.from_config({"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32,
        ...     "num_attention_heads": 32, "num_key_value_heads": 8, "intermediate_size": 14336,
        ...     "vocab_size": 128256, "max_position_embeddings": 8192}).params()   # Llama 3 8B
        <Quantity(8030261248, 'param')>
        """
        read: dict = {}
        fields = shape_fields(config, read)
        try:
            return cls(**fields)
        except InputError as exc:  # a field of the shape, named by the config's key it was read from
            if exc.field not in fields:
                raise
            key = _config_key(exc.field, fields[exc.field], read)
            raise InputError("config", f"{key} (the shape's {exc.field}): {exc.message}") from None


# Words in the config keys of each shape field (num_attention_heads, n_head; hidden_size, n_embd...), to tell apart
# keys of one value (GPT-2: 12 layers and 12 heads).
_KEY_WORDS = {"heads": ("attention_heads", "n_head"), "kv_heads": ("key_value", "kv_heads", "head_kv"),
              "layers": ("layer",), "d_model": ("hidden_size", "embd", "embed", "d_model"), "vocab": ("vocab",),
              "context": ("position", "seq_length"), "d_ff": ("intermediate", "inner", "ffn"), "head_dim": ("head_dim",),
              "experts": ("experts",), "experts_per_token": ("per_tok",), "window": ("window", "chunk")}


def _config_key(field: str, value, read: dict) -> str:
    """The config key ``field``'s ``value`` was read from, quoted; else the field named as the shape's."""
    same = [k for k, v in read.items() if v == value and type(v) is type(value)]
    named = [k for k in same if any(w in k for w in _KEY_WORDS.get(field, (field,)))]
    keys = named or same
    return " or ".join(repr(k) for k in keys[:2]) if keys else f"the value read for {field}"


def _beyond(sequence: int, context: int) -> str:
    """How far ``sequence`` is past ``context``, as ``Transformer.sequence_note`` says it: in tokens below twice the
    context ("1 more than": 8,193 of 8,192 was "1x"), as a ratio from there ("12.2x")."""
    if sequence < 2 * context:
        return f"{sequence - context:,} more than"
    return f"{number(sequence / context)}x"
