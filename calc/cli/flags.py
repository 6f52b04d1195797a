"""The flags several commands share: the chip, a config file, a node's price, whole numbers, a transformer's
shape and a parallel layout, each with one name, one help and one reading."""

from __future__ import annotations

import argparse

from calc.errors import InputError, did_you_mean
from calc.vocabulary import BY_NAME

SHAPE_INT_FLAGS = (
    ("--layers", "layers"), ("--d-model", "model width"), ("--heads", "attention heads"),
    ("--kv-heads", "key/value heads (grouped-query attention)"), ("--head-dim", "width of a head (default width/heads)"),
    ("--d-ff", "feed-forward width"), ("--vocab", "vocabulary size"), ("--context", "context length in tokens"),
    ("--experts", "experts (mixture of experts)"), ("--experts-per-token", "experts used per token"),
    ("--shared-experts", "always-active experts"), ("--expert-d-ff", "a routed expert's width"),
    ("--shared-d-ff", "the shared experts' total width"), ("--dense-layers", "layers without experts"),
    ("--norms-per-layer", "norms per layer (1 parallel block, 2, 4 sandwich)"),
    ("--q-lora-rank", "latent attention: query rank"), ("--kv-lora-rank", "latent attention: key/value rank"),
    ("--qk-nope-head-dim", "latent attention: head width without position"),
    ("--qk-rope-head-dim", "latent attention: rotary head width"), ("--v-head-dim", "latent attention: value width"),
    ("--mtp-modules", "multi-token prediction modules"))

SHAPE_BOOL_FLAGS = (
    ("--gated", "SwiGLU-style feed-forward"), ("--tied-embeddings", "unembedding shares the embedding"),
    ("--learned-positions", "learned position embedding"), ("--biases", "biases on every linear layer"),
    ("--qkv-bias", "biases on q, k and v"), ("--out-bias", "bias on the attention output"),
    ("--mlp-bias", "biases in the feed-forward"), ("--embedding-norm", "a norm after the embedding"),
    ("--parallel-block", "attention and feed-forward side by side"),
    ("--shared-expert-gate", "a gate on the shared expert"), ("--unembedding-bias", "a bias on the output layer"))


def _flag(name: str) -> str:
    return BY_NAME[name].flag if name in BY_NAME else "--" + name.replace("_", "-")


def either_flag(p, flag: str, help_: str, dest: str | None = None) -> None:
    """``--x`` and ``--no-x``: one True, the other False, neither None; given together an error naming both (an
    argparse mutually exclusive group), where ``BooleanOptionalAction`` let the last one win silently (doors12)."""
    dest = dest or flag[2:].replace("-", "_")
    both = p.add_mutually_exclusive_group()
    both.add_argument(flag, dest=dest, action="store_const", const=True, default=None, help=help_)
    both.add_argument("--no-" + flag[2:], dest=dest, action="store_const", const=False, default=None,
                      help=argparse.SUPPRESS if help_ is argparse.SUPPRESS else f"the opposite of {flag}")


def _whole(text: str) -> int:
    """A whole-number flag, read by ``calc.reader.whole_text`` (8,192, 1e3, 16_384; "8k" refused as ambiguous)."""
    from calc.reader import whole_text

    try:
        return whole_text(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _tokens(text: str) -> int:
    """A request's tokens, read by ``calc.reader.whole_text`` with its unit ("1000", "1,000 tokens", "8 ktoken"), as
    ``calc.serve`` reads them."""
    from calc.reader import whole_text

    try:
        return whole_text(text, "token")
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _chip_flags(p, *, hardware=True, precision=True, default=None):
    """--hardware and --precision: one name, one meaning, one help in every command (calc.vocabulary)."""
    if hardware:
        p.add_argument("--hardware", default=default, help=BY_NAME["hardware"].meaning
                       + (f" (default {default})" if default else ""))
    if precision:
        p.add_argument("--precision", help=PEAK_PRECISION_HELP)


# --precision where it picks the chip's peak (estimate, step, cost...): the vocabulary's meaning, then its formats
PEAK_PRECISION_HELP = BY_NAME["precision"].meaning + " (default: the chip's 16-bit format): bf16, fp16, fp8, tf32, fp32..."


def served_precision_help(where: str = "") -> str:
    """--precision's help where it is the served weights' format (serve, lifetime): the vocabulary's meaning, as
    every command's --precision starts, then the formats serving reads (``served_formats``), ``where`` it is read."""
    return (BY_NAME["precision"].meaning + " (default: the checkpoint's format where its config.json's "
            "quantization_config states one and the chip has its peak, DeepSeek-R1 and Kimi K2 in fp8; else the chip's "
            f"16-bit format), here the served weights'{where}: "
            f"{served_formats()}; fp4 is NVFP4 (multiplied in fp8 on a chip with no fp4 peak, Hopper's), mxfp4 OCP's; w8a16 and int4 are weight-only, multiplied in the chip's "
            "16-bit format (w8a16: an FP8 checkpoint on a chip with no fp8 peak, as vLLM's FP8 Marlin runs it); tf32 "
            "and fp32 are training formats, not modelled for serving")


def served_formats(kv: bool = False) -> str:
    """The formats serving reads, as a help lists them, from calc.serve.footprint's tables (the one list): the
    weights' with each block format's bits ("fp4 (4.5 bits with its scales)"), or the KV cache's."""
    from calc.serve.footprint import KV_PRECISIONS, WEIGHT_PRECISIONS

    if kv:
        return ", ".join(KV_PRECISIONS)
    scaled = {name: size * 8 for name, (size, _) in WEIGHT_PRECISIONS.items() if (size * 8) % 1}
    return ", ".join(f"{n} ({scaled[n]:g} bits with its scales)" if n in scaled else n for n in WEIGHT_PRECISIONS)


def _config_flag(p):
    p.add_argument("--config", metavar="FILE", help="a Hugging Face config.json (read offline, at most 1 MiB)")


def _node_price_flags(p) -> None:
    """A price per machine, where a price is given: --price-per-node "14 USD/h" (--chips-per-node, default the
    hardware's server size in data/hardware.csv). --price "14 USD/h/node" reads the same."""
    p.add_argument("--price-per-node", dest="price_per_node", metavar="VALUE",
                   help='rental price of one machine, e.g. "14 USD/h" for an 8-GPU node (instead of --price)')
    p.add_argument("--chips-per-node", dest="chips_per_node", metavar="N",
                   help="chips in the machine a node price is for (default: the hardware's server size)")


def _price(args, hardware):
    """--price or --price-per-node as a price per chip-hour and how it was read (calc.prices.read_price);
    (None, "") when neither is given."""
    from calc.prices import read_price

    if args.price_per_node is not None and args.price is not None:
        raise InputError("price_per_node", "give --price (per chip) or --price-per-node (per machine), not both")
    if args.chips_per_node is not None and args.price is None and args.price_per_node is None:
        raise InputError("chips_per_node", "only read with --price-per-node (or --price \"14 USD/h/node\"); give "
                                           "the price, or leave it out")
    if args.price_per_node is not None:
        from calc.units import Q_, parse_quantity

        node = parse_quantity(args.price_per_node, "price_per_node", "USD/hour", bare_ok=False) / Q_(1, "node")
        return read_price(node, hardware, args.chips_per_node, name="price_per_node")
    if args.price is not None:
        return read_price(args.price, hardware, args.chips_per_node)
    return None, ""


def _vu(q, unit: str) -> dict:
    return {"value": float(q.m_as(unit)), "unit": unit}


def shape_flags(p) -> None:
    """A transformer's shape: --model, --config, or the shape itself (each flag overriding the model's value)."""
    p.add_argument("--model", help="a shape of data/architectures.csv (GPT-3 175B, Llama 2 70B...)")
    _config_flag(p)
    for flag, help_ in SHAPE_INT_FLAGS:
        p.add_argument(flag, type=_whole, metavar="N", help=help_)
    p.add_argument("--norm", help="layernorm, rmsnorm or nonparametric")
    p.add_argument("--qk-norm", dest="qk_norm", help="query/key norm: none, head or full")
    for flag, help_ in SHAPE_BOOL_FLAGS:
        either_flag(p, flag, help_)
    p.add_argument("--untied", action="store_true", help="separate unembedding matrix (= --no-tied-embeddings)")
    p.add_argument("--sequence", type=_whole, metavar="N", help="tokens per sequence (default: the model's training "
                   "sequence, its context at most 8,192)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _shape(args):
    """The shape of --config or --model, with every shape flag given overriding it (or alone)."""
    import dataclasses

    from calc.architecture import Transformer

    given = {}
    for flag, _ in SHAPE_INT_FLAGS + SHAPE_BOOL_FLAGS + (("--norm", ""), ("--qk-norm", "")):
        name = flag[2:].replace("-", "_")
        if getattr(args, name, None) is not None:
            given[name] = getattr(args, name)
    if args.untied:
        if getattr(args, "tied_embeddings", None):  # --untied is --no-tied-embeddings: with --tied-embeddings, both said
            raise InputError("untied", "not allowed with --tied-embeddings (they say opposite things); give one")
        given["tied_embeddings"] = False
    if "context" in given:  # said as where the context came from (the model's own source no longer holds)
        given["context_source"] = "--context"
    if args.config and args.model:
        raise InputError("config", "give --config FILE or --model NAME, not both")
    if args.config:
        return dataclasses.replace(Transformer.from_config(args.config), **given)
    if args.model:
        from calc.architecture import lookup

        return dataclasses.replace(lookup(args.model), **given)
    missing = [f for f in ("layers", "d_model", "heads", "vocab", "context") if f not in given]
    if missing and not given:
        raise InputError("model", 'required: a published shape, e.g. --model "Llama 2 70B" (the names are in '
                                  "data/architectures.csv), a Hugging Face config (--config config.json), or the "
                                  "shape itself (--layers, --d-model, --heads, --vocab, --context)")
    if missing:
        from calc.reader import whole

        for name in ("layers", "d_model", "heads", "vocab", "context"):  # a bad value said first, as the shape says it:
            if name in given:  # '--layers 0' was told '--vocab: required' (fresh22)
                whole(name, given[name])
        raise InputError(missing[0], f"required with the other shape flags ({', '.join('--' + m.replace('_', '-') for m in missing)} "
                                     "missing), or give --model NAME or --config FILE")
    return Transformer(**given)


def shape_label(args, shaped: bool = True) -> str | None:
    """The row of data/architectures.csv that --model names (an alias such as a Hugging Face id, or a spelling,
    read as the row's name), with the shape flags that change it where the command has them (``shaped``:
    ``shape_flags``'); None without --model."""
    if not getattr(args, "model", None):
        return None
    from calc.architecture import shape_name

    changed = [flag if getattr(args, flag[2:].replace("-", "_")) is not False else "--no-" + flag[2:]
               for flag, _ in SHAPE_INT_FLAGS + SHAPE_BOOL_FLAGS + (("--norm", ""), ("--qk-norm", ""))
               if shaped and getattr(args, flag[2:].replace("-", "_"), None) is not None]
    changed += ["--untied"] if shaped and getattr(args, "untied", False) else []
    return shape_name(args.model) + (f", changed by {', '.join(changed)}" if changed else "")


def config_name(path, shape) -> str:
    """How every door names the shape of ``--config FILE``: the row of data/architectures.csv it is (the first, as
    ``calc.architecture.row_of`` reads it: "Llama 3 8B"), else the file's name, as the Model shape page names an
    upload. ``serve --config`` said "Llama 3 8B" where ``step --config`` said "the shape of /path/x.json" (train24)."""
    from pathlib import Path

    from calc.architecture import row_of

    return row_of(shape) or Path(path).name


def sequence_words(t) -> str:
    """Where a training door's sequence comes from when none is given, in words: ``Transformer.training_sequence``,
    the shape's context (and where that comes from) at most 8,192."""
    where = f", from {t.context_source}" if t.context_source else ""
    if t.training_sequence < t.context:
        return (f"the training sequence: the context ({t.context:,}{where}) at most {t.training_sequence:,}, as runs "
                "pre-train short and reach the context at the end (Llama 3.1: 8K, then 128K)")
    return f"the training sequence: the shape's context ({t.context:,}{where})"


def _goals() -> tuple:
    from calc.perf import GOALS

    return GOALS


def _layout_flags(parser) -> None:
    """The ``step`` command's layout flags, one per field of calc.perf.Layout, from its metadata (name,
    help, default): a new field of the layout is a new flag without an edit here."""
    from calc.perf import layout_options

    for option in layout_options():
        dest, help_ = option.name, option.help
        if dest == "precision":  # one help for --precision in every command (calc.vocabulary's meaning, then formats)
            help_ = PEAK_PRECISION_HELP
        if option.kind == "whole":
            default = None if option.required else option.default
            parser.add_argument(option.flag, dest=dest, type=_whole, metavar="N", default=default, help=help_)
        elif option.kind == "fraction":
            parser.add_argument(option.flag, dest=dest, type=float, metavar="F", default=option.default, help=help_)
        elif option.kind == "switch":
            parser.add_argument(option.flag, dest=dest, action="store_true", help=help_)
        elif option.kind == "switch off":
            parser.add_argument(option.flag, dest=dest, action="store_false", help=help_)
        elif option.kind == "either":
            either_flag(parser, option.flag, help_, dest=dest)
        elif option.kind == "named":  # a kernel's name on the command line, a switch in the layout
            parser.add_argument(option.flag, dest=dest, default=option.choices[0], metavar="NAME", help=help_)
        else:
            listed = not option.choices or all(str(c) in help_ for c in option.choices)
            choices = "" if listed else f" ({', '.join(map(str, option.choices))})"
            parser.add_argument(option.flag, dest=dest, default=option.default, help=help_ + choices)


def _layout(args) -> dict:
    """The calc.perf.Layout fields the ``step`` flags gave, by name."""
    from calc.perf import ATTENTION_KERNELS, layout_options

    fields = {o.name: getattr(args, o.name) for o in layout_options()}
    kernel = fields["triton_attention"]
    if kernel not in ATTENTION_KERNELS:
        raise InputError("attention", f"expected flash2 (FlashAttention-2) or triton, got {kernel!r}"
                                      f"{did_you_mean(kernel, ATTENTION_KERNELS)}")
    fields["triton_attention"] = ATTENTION_KERNELS[kernel]
    return fields
