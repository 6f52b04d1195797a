"""The commands ``params`` (exact parameters and FLOP per token of a shape) and ``memory`` (training memory
per chip, and the fewest chips that hold the run)."""

from __future__ import annotations

import json
import sys

from calc.cli.flags import _chip_flags, _shape, _vu, _whole, either_flag, sequence_words, shape_flags, shape_label
from calc.errors import InputError


def _params_parser(sub) -> None:
    pa = sub.add_parser("params", help="exact parameters and FLOP per token from a transformer's shape",
                        description="Shape flags given with --model or --config override the model's values.")
    shape_flags(pa)


MEMORY_CHIP = "H100 SXM5"  # the memory command's chip where --hardware is not given (said in its answer)


def _memory_parser(sub) -> None:
    me = sub.add_parser("memory", help="training memory per chip, and the fewest chips that hold the run",
                        description="Shape flags given with --model or --config override the model's values; "
                                    "layout defaults are calc.memory.DEFAULTS, as in the Python API.")
    shape_flags(me)
    _chip_flags(me, precision=False, default=MEMORY_CHIP)
    me.set_defaults(hardware=None)  # the help names the default; the answer says it was taken (_memory)
    me.add_argument("--recompute", help="activation recomputation: none, selective (default), full")
    me.add_argument("--zero", type=int, help="ZeRO stage: 0, 1 (distributed optimizer, default), 2 or 3; "
                                             "--states megatron has 0 only, deepspeed 2 or 3 (default 2)")
    me.add_argument("--states", help="model-state convention: zero2020 (default), deepspeed, megatron, "
                                     "megatron-distributed")
    me.add_argument("--optimizer", help="adam-mixed (default), adam-fp32, adam-bf16, adam-8bit-mixed, sgd-momentum-mixed")
    # the same flags, help and defaults as the step command's (calc.perf.Layout); --expert-parallel: its old name
    for flag, dest, help_ in (("--data-parallel", "data_parallel", "data-parallel ranks"),
                              ("--tensor", "tensor", "tensor-parallel ranks"),
                              ("--pipeline", "pipeline", "pipeline stages"),
                              (("--expert", "--expert-parallel"), "expert_parallel", "expert-parallel ranks"),
                              ("--micro-batch", "micro_batch", "sequences per micro-batch")):
        flags = flag if isinstance(flag, tuple) else (flag,)
        me.add_argument(*flags, dest=dest, type=_whole, metavar="N", help=f"{help_} (default 1)")
    me.add_argument("--lora-rank", dest="lora_rank", type=_whole, metavar="N", help="LoRA rank (default 16)")
    either_flag(me, "--sequence-parallel", "split norms and dropouts over the tensor ranks too (default: on when "
                                           "tensor > 1, as the step command's layout)")
    me.add_argument("--no-flash-attention", dest="flash_attention", action="store_false", default=None,
                    help="keep the s x s attention scores")
    me.add_argument("--dropout", action="store_true", help="count dropout masks")
    me.add_argument("--finetune", help="lora or qlora: frozen base, trainable adapters")
    me.add_argument("--implementation", help="what the kernels keep: fused (default, Megatron-style) or eager "
                                             "(unfused PyTorch, as Hugging Face's eager attention)")


def _sized_shape(args):
    """The shape, the --sequence given (or None) and the sequence used, warning on stderr when it is unusual."""
    from calc.reader import whole

    t = _shape(args)
    seq = None if args.sequence is None else whole("sequence", args.sequence)
    T = t.check_sequence(seq or t.training_sequence)
    if t.sequence_note(seq):
        print(f"warning: {t.sequence_note(seq)}", file=sys.stderr)
    return t, seq, T


def _params(args) -> int:
    from calc.display import number

    t, seq, T = _sized_shape(args)
    counts = {}
    for count in ("kaplan2020", "palm2022", "megatron2021", "megatron2021-recompute"):
        counts[count] = (t.flop_per_token(count, sequence=T)
                         if t.is_megatron_shape or not count.startswith("megatron") else None)
    counts["exact"] = t.flop_per_token("exact", sequence=T)
    counts["exact-recompute-selective"] = t.flop_per_token("exact", sequence=T, recompute="selective")
    counts["exact-recompute-full"] = t.flop_per_token("exact", sequence=T, recompute="full")
    if args.json:
        out = {"model": shape_label(args), "params": _vu(t.params(), "param"),
               "active_params": _vu(t.active_params(), "param"),
               "sequence": T, "sequence_source": "--sequence" if seq else sequence_words(t), "breakdown": {k: _vu(v, "param") for k, v in t.breakdown().items()},
               "flop_per_token": {k: None if v is None else _vu(v, "FLOP/token") for k, v in counts.items()}}
        print(json.dumps(out, indent=2))
        return 0
    if args.model:
        print(f"model          {shape_label(args)}")
    print(f"params         {t.params().m_as('param'):,.0f}")
    print(f"active params  {t.active_params().m_as('param'):,.0f}")
    for k, v in t.breakdown().items():
        print(f"  {k:<38} {v.m_as('param'):>18,.0f}")
    print(f"FLOP per token at sequence {T:,} (training: forward + backward)")
    if seq is None:
        print(f"  {sequence_words(t)}; --sequence to change it")
    for count, v in counts.items():
        value = number(v.m_as("FLOP/token")) if v is not None else "n/a (eq. 3 assumes a dense 4h transformer)"
        print(f"  {count:<28} {value}")
    print(f"the PaLM count is {float(counts['palm2022'] / counts['kaplan2020']) - 1:.1%} above 6N; exact counts "
          "every matrix multiply, as torch's FLOP counter does")
    return 0


def _memory(args) -> int:
    from calc.memory import DEFAULTS, default_zero, min_chips, per_chip, sequence_parallel_on

    t, seq, T = _sized_shape(args)
    layout = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k, None) is not None}
    layout.pop("sequence", None)
    if args.lora_rank is not None and args.finetune is None:  # the adapters' rank: nothing else reads it
        raise InputError("lora_rank", "only used with --finetune lora or qlora; give it, or leave --lora-rank out")
    if args.dropout:
        layout["dropout"] = True
    m = per_chip(t, sequence=T, **layout)
    chip_given = args.hardware is not None
    args.hardware = args.hardware or MEMORY_CHIP
    try:
        fewest, why = min_chips(t, args.hardware, sequence=T, **{k: v for k, v in layout.items()
                                                                 if k != "data_parallel"}), ""
    except InputError as exc:
        if exc.field != "hardware" or "do not fit" not in exc.message:
            raise
        fewest, why = None, exc.message
    if args.json:
        parts = {k: _vu(v, "GB/chip") for k, v in m.parts.items()}
        parts["total"] = _vu(m.total, "GB/chip")
        settings = {**DEFAULTS, **layout, "sequence": T,
                    "sequence_source": "--sequence" if seq else sequence_words(t)}
        settings["zero"] = layout.get("zero", default_zero(settings["states"]))
        settings["sequence_parallel"] = sequence_parallel_on(settings["tensor"], settings["sequence_parallel"])
        print(json.dumps({"model": shape_label(args), "per_chip": parts, "layout": settings, "hardware": args.hardware,
                          "hardware_source": "--hardware" if chip_given else "the default (--hardware to change it)",
                          "fewest_chips": fewest and _vu(fewest[0], "chip"),
                          "fewest_chips_data_parallel": fewest and fewest[1], "fewest_chips_note": why}, indent=2))
        return 0
    shown = {**DEFAULTS, **layout, "sequence": T}
    shown["zero"] = layout.get("zero", default_zero(shown["states"]))
    print((f"{shape_label(args)}: " if args.model else "") + f"per chip at ZeRO stage {shown['zero']} ({shown['states']} convention), data parallel "
          f"{shown['data_parallel']:,} x tensor {shown['tensor']:,} x pipeline {shown['pipeline']:,}, micro-batch "
          f"{shown['micro_batch']:,} x {T:,} tokens, {shown['recompute']} recomputation"
          + _sequence_parallel_words(shown["tensor"], args.sequence_parallel))
    if seq is None:
        print(f"  {sequence_words(t)}; --sequence to change it")
    if not chip_given:  # as the training sequence above: a default the answer rests on, said where it is taken
        print(f"  the chip: {args.hardware}, the default; --hardware to change it")
    for k, v in m.parts.items():
        gb = v.m_as("GB/chip")
        if k == "gradients" and gb == 0 and shown["states"] == "deepspeed":
            print(f"{_PART_LABELS[k]:<18} {'':>12}  counted in the optimizer states (DeepSpeed's estimate)")
            continue
        print(f"{_PART_LABELS.get(k, k):<18} {gb:>12,.2f} GB/chip")
    print(f"{'total':<18} {m.total.m_as('GB/chip'):>12,.2f} GB/chip")
    if shown["tensor"] * shown["pipeline"] > 1:  # 22.6 here beside step's 26.1 GB of one layout read as a contradiction
        print("  (the model's tensors only; step's memory per chip of the same layout is more: it adds a GPU runtime's "
              "fixed memory and allocator reserve (CUDA context, communicator buffers)"
              + (" and counts the fullest pipeline stage, the embedding or output layer with its layers"
                 if shown["pipeline"] > 1 else "") + ")")
    if fewest is None:
        print(f"fewest {args.hardware}: none in this layout; {why}")
        print("  (python -m calc step --model ... --chips N --global-batch B --search finds the layouts that fit)")
        return 0
    print(f"fewest {args.hardware} that hold the training state: {fewest[0].m_as('chip'):,.0f} "
          f"(data parallel {fewest[1]} x tensor {shown['tensor']} x pipeline {shown['pipeline']}, "
          f"ZeRO {shown['zero']}, {shown['states']})")
    return 0


def _sequence_parallel_words(tensor: int, given: bool | None) -> str:
    """Whether the answer split the norms over the tensor ranks, said where it matters (tensor > 1 or given): the
    default is the step command's (calc.memory.sequence_parallel_on), so the two doors agree on one layout."""
    from calc.memory import sequence_parallel_on

    if tensor == 1 and given is None:
        return ""
    on = sequence_parallel_on(tensor, given)
    if given is None:
        return ", sequence parallelism on (the default with tensor > 1, as step; --no-sequence-parallel to turn it off)"
    return f", sequence parallelism {'on' if on else 'off'} (as given)"


# The memory parts in words (the JSON keeps calc.memory's keys).
_PART_LABELS = {"weights": "weights", "gradients": "gradients", "optimizer_state": "optimizer states",
                "gathered": "gathered weights", "activations": "activations"}
