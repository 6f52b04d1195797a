"""The command line: parses flags into Quantities, calls calc, prints.

    python -m calc estimate --params "175e9 param" --tokens "300e9 token" --hardware "V100 SXM2" --chips 10000
    python -m calc claims [--json]
    python -m calc hardware

Quantity flags take unit strings ("14.8 day") or plain numbers in the canonical unit. Bad input
exits with status 2 and one line naming the flag; there is never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from calc.errors import InputError
from calc.vocabulary import BY_NAME, TERMS


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """Usage errors: one line, status 2, like every other bad input."""
        self.exit(2, f"calc: error: {message}\n")


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


def _whole(text: str) -> int:
    """A whole-number flag, read by ``calc.reader.whole_text`` (8,192, 1e3, 16_384; "8k" refused as ambiguous)."""
    from calc.reader import whole_text

    try:
        return whole_text(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _chip_flags(p, *, hardware=True, precision=True, default=None):
    """--hardware and --precision: one name, one meaning, one help in every command (calc.vocabulary)."""
    if hardware:
        p.add_argument("--hardware", default=default, help=BY_NAME["hardware"].meaning
                       + (f" (default {default})" if default else ""))
    if precision:
        p.add_argument("--precision", help=BY_NAME["precision"].meaning + " (default: the chip's 16-bit format)")

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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m calc`` (also used to document the flags)."""
    parser = _Parser(prog="calc", description="Training-cost and scaling calculator, with units.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    est = sub.add_parser("estimate", help="fill in a training run from any consistent subset of its quantities")
    for t in TERMS:
        unit = f" [{t.unit or 'fraction'}]" if t.unit is not None else ""
        est.add_argument(t.flag, dest=t.name, metavar="VALUE", help=f"{t.meaning}{unit}")
    _node_price_flags(est)
    est.add_argument("--model", help="a shape of data/architectures.csv: gives the parameters and FLOP per token, and, "
                                     "with --hardware, the modelled utilization of its fastest layout on that chip")
    _config_flag(est)
    est.add_argument("--rtol", type=float, default=None, help="relative tolerance between over-determined inputs, 0 to 1 (default 0.05)")
    est.add_argument("--samples", type=int, default=None,
                     help="draws when any input is a range such as 0.2..0.5 (default 10000)")
    est.add_argument("--seed", type=int, default=None, help="seed of the random generator for ranges (default 0)")
    est.add_argument("--json", action="store_true", help="print JSON instead of a table")

    cl = sub.add_parser("claims", help="recompute every figure quoted in the seed articles")
    cl.add_argument("--json", action="store_true", help="print JSON instead of a table")

    hw = sub.add_parser("hardware", help="list the accelerators of data/hardware.csv")
    hw.add_argument("--json", action="store_true", help="print JSON instead of a table")

    co = sub.add_parser("cost", help="a run's cost by every method, and the reconciliation between them")
    co.add_argument("--model", help="a published run of data/models.csv (supplies the other flags)")
    co.add_argument("--compute", metavar="VALUE", help="training compute [FLOP]")
    _chip_flags(co)
    co.add_argument("--chip-hours", dest="chip_hours", metavar="VALUE", help="the run's chip-hours [chip*hour]")
    co.add_argument("--chips", metavar="VALUE", help="chips, for the acquisition cost [chip]")
    co.add_argument("--start", help="training start date YYYY-MM-DD (prices in force then)")
    co.add_argument("--year", type=int, help="express costs in the dollars of this year")
    co.add_argument("--price", metavar="VALUE", help="your rental price, priced first beside the listed ones "
                                                    "[USD/chip/hour], e.g. \"2 USD/chip/hour\"")
    _node_price_flags(co)
    co.add_argument("--json", action="store_true", help="print JSON instead of tables")

    th = sub.add_parser("thresholds", help="which regulatory lines a run or a cluster crosses",
                        description="The run by its compute, by --params and --tokens (6 x params x tokens, or "
                                    "--flop-per-param-token), or by --model (a published run of data/models.csv: its "
                                    "compute, and its chips and hardware for the cluster unless given).")
    th.add_argument("--compute", metavar="VALUE", help="training compute [FLOP]")
    th.add_argument("--params", metavar="VALUE", help="the run's (active) parameters [param], with --tokens")
    th.add_argument("--tokens", metavar="VALUE", help="the run's training tokens [token], with --params")
    th.add_argument("--flop-per-param-token", dest="flop_per_param_token", metavar="VALUE",
                    help="with --params and --tokens (default 6, Kaplan et al. 2020)")
    th.add_argument("--model", help="a published run of data/models.csv, e.g. \"Llama 3.1 405B\"")
    th.add_argument("--fine-tuning", dest="fine_tuning", metavar="VALUE", help="later fine-tuning compute [FLOP]")
    th.add_argument("--cost", metavar="VALUE", help="the run's cost [USD] (California SB 1047)")
    th.add_argument("--biological", action="store_true", help="the model is trained mainly on biological sequence data")
    th.add_argument("--chips", metavar="VALUE", help="cluster size [chip]")
    _chip_flags(th, precision=False)
    th.add_argument("--utilization", metavar="VALUE", help="for the days needed to reach each line (default: median)")
    th.add_argument("--budget", metavar="VALUE", help="how many runs to each line this budget buys [USD]")
    th.add_argument("--json", action="store_true", help="print JSON instead of tables")

    cm = sub.add_parser("compare", help="the same run on several accelerators: time, chip-hours, cost, energy",
                        description="The run's hardware-free inputs (as for estimate) on each accelerator; each "
                                    "derives its own peak, price and power (calc.compare.compare_hardware).")
    for t in TERMS:
        if t.name not in HARDWARE_FLAGS_DROPPED:
            unit = f" [{t.unit or 'fraction'}]" if t.unit is not None else ""
            cm.add_argument(t.flag, dest=t.name, metavar="VALUE", help=f"{t.meaning}{unit}")
    cm.add_argument("--hardware", action="append", metavar="NAME",
                    help=BY_NAME["hardware"].meaning + " (default: a lineup from V100 to B200 and TPUs; repeat the "
                         "flag to compare several)")
    cm.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def shape_flags(p):
        p.add_argument("--model", help="a shape of data/architectures.csv (GPT-3 175B, Llama 2 70B...)")
        _config_flag(p)
        for flag, help_ in SHAPE_INT_FLAGS:
            p.add_argument(flag, type=_whole, metavar="N", help=help_)
        p.add_argument("--norm", help="layernorm, rmsnorm or nonparametric")
        p.add_argument("--qk-norm", dest="qk_norm", help="query/key norm: none, head or full")
        for flag, help_ in SHAPE_BOOL_FLAGS:
            p.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_)
        p.add_argument("--untied", action="store_true", help="separate unembedding matrix (= --no-tied-embeddings)")
        p.add_argument("--sequence", type=_whole, metavar="N", help="tokens per sequence (default: the model's context)")
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    pa = sub.add_parser("params", help="exact parameters and FLOP per token from a transformer's shape",
                        description="Shape flags given with --model or --config override the model's values.")
    shape_flags(pa)
    me = sub.add_parser("memory", help="training memory per chip, and the fewest chips that hold the run",
                        description="Shape flags given with --model or --config override the model's values; "
                                    "layout defaults are calc.memory.DEFAULTS, as in the Python API.")
    shape_flags(me)
    _chip_flags(me, precision=False, default="H100 SXM5")
    me.add_argument("--recompute", help="activation recomputation: none, selective (default), full")
    me.add_argument("--zero", type=int, help="ZeRO stage: 0, 1 (distributed optimizer, default), 2 or 3; "
                                             "--states megatron has 0 only, deepspeed 2 or 3 (default 2)")
    me.add_argument("--states", help="model-state convention: zero2020 (default), deepspeed, megatron, "
                                     "megatron-distributed")
    me.add_argument("--optimizer", help="adam-mixed (default), adam-fp32, adam-8bit-mixed, sgd-momentum-mixed")
    # the same flags, help and defaults as the step command's (calc.perf.Layout); --expert-parallel: its old name
    for flag, dest, help_ in (("--data-parallel", "data_parallel", "data-parallel ranks"),
                              ("--tensor", "tensor", "tensor-parallel ranks"),
                              ("--pipeline", "pipeline", "pipeline stages"),
                              (("--expert", "--expert-parallel"), "expert_parallel", "expert-parallel ranks"),
                              ("--micro-batch", "micro_batch", "sequences per micro-batch")):
        flags = flag if isinstance(flag, tuple) else (flag,)
        me.add_argument(*flags, dest=dest, type=_whole, metavar="N", help=f"{help_} (default 1)")
    me.add_argument("--lora-rank", dest="lora_rank", type=_whole, metavar="N", help="LoRA rank (default 16)")
    me.add_argument("--sequence-parallel", dest="sequence_parallel", action="store_true",
                    help="split norms and dropouts over the tensor ranks too")
    me.add_argument("--no-flash-attention", dest="flash_attention", action="store_false", default=None,
                    help="keep the s x s attention scores")
    me.add_argument("--dropout", action="store_true", help="count dropout masks")
    me.add_argument("--finetune", help="lora or qlora: frozen base, trainable adapters")
    me.add_argument("--implementation", help="what the kernels keep: fused (default, Megatron-style) or eager "
                                             "(unfused PyTorch, as Hugging Face's eager attention)")
    op = sub.add_parser("optimal", help="compute-optimal params and tokens for a budget, by scaling law")
    op.add_argument("--compute", metavar="VALUE", help="budget [FLOP]")
    op.add_argument("--params", metavar="VALUE", help="an actual run's parameters, to compare with the optimum")
    op.add_argument("--tokens", metavar="VALUE", help="an actual run's tokens")
    op.add_argument("--law", help="hoffmann2022, besiroglu2024 or kaplan2020 (default: all)")
    op.add_argument("--json", action="store_true", help="print JSON instead of a table")

    sp = sub.add_parser("step", help="predict the step time, MFU and memory of a parallel layout (or --search)")
    sp.add_argument("--model", help="a shape of data/architectures.csv")
    _config_flag(sp)
    _chip_flags(sp, precision=False)
    sp.add_argument("--chips", metavar="N", help="chips in the cluster")
    _layout_flags(sp)
    sp.add_argument("--top", type=_whole, default=10, help="layouts listed by --search")
    sp.add_argument("--ignore-memory", dest="check_memory", action="store_false",
                    help="predict a layout even if it does not fit the chip's memory (as published runs whose memory "
                         "savings this model does not know: FP8 activations, offloading); the memory is still printed")
    sp.add_argument("--tokens", metavar="VALUE", help="training tokens: also print the run's duration")
    sp.add_argument("--search", action="store_true", help="list the fastest layouts that fit instead")
    sp.add_argument("--budget", metavar="VALUE",
                    help='with --tokens: a cost ("$2M") or chip-hours ("434k GPU-hours"); lists the chip counts '
                         "(powers of two up to --chips) and their fastest layouts, and the one that finishes "
                         "fastest within it")
    sp.add_argument("--price", metavar="VALUE", help="with --tokens or --budget: USD per chip-hour "
                                                    "(default: calc.estimate's, data/prices.csv)")
    _node_price_flags(sp)
    sp.add_argument("--goal", default="fastest", choices=_goals(),
                    help="with --budget: the fastest run within the budget (default) or the cheapest")
    sp.add_argument("--json", action="store_true", help="print JSON instead of a table")

    lt = sub.add_parser("lifetime", help="the model size cheapest over training and serving at one quality "
                                         "(Sardana et al. 2023)",
                        description="The quality is --loss, or the loss of the run given (--params and --tokens, "
                                    "or --model) under --law. Prices give the dollar version too.")
    lt.add_argument("--loss", metavar="VALUE", help="target loss, nats per token under --law (e.g. 2.0)")
    lt.add_argument("--params", metavar="VALUE", help="a run's parameters: its loss is the target [param]")
    lt.add_argument("--tokens", metavar="VALUE", help="that run's training tokens [token]")
    lt.add_argument("--model", help="a dense published run of data/models.csv, as --params and --tokens")
    lt.add_argument("--inference-tokens", dest="inference_tokens", metavar="VALUE",
                    help="tokens served over the model's life, input and output [token], e.g. 2T")
    lt.add_argument("--law", default="hoffmann2022",
                    help="scaling law: hoffmann2022 (default), besiroglu2024, kaplan2020 or devries2023")
    lt.add_argument("--training-price", dest="training_price", metavar="VALUE",
                    help='what a training FLOP costs [USD/FLOP], e.g. "1.4e-18 USD/FLOP" ($2/chip-hour on 989 '
                         'TFLOP/s at 40%% MFU); or a chip-hour\'s price ("$2/GPU/hour") with --hardware and '
                         "--utilization")
    _chip_flags(lt, precision=False)  # with a training price per chip-hour: the chip (its dense 16-bit peak)
    lt.add_argument("--utilization", metavar="VALUE", help="with a training price per chip-hour: the MFU, e.g. 0.4")
    lt.add_argument("--serving-price", dest="serving_price", metavar="VALUE",
                    help='what a served token costs [USD/token], e.g. "0.6 USD/Mtoken"; serving cost scales with '
                         "the model's size")
    lt.add_argument("--serving-price-params", dest="serving_price_params", metavar="VALUE",
                    help="the model size --serving-price is for [param] (default: the run given, else the "
                         "compute-optimal model)")
    lt.add_argument("--json", action="store_true", help="print JSON instead of a table")

    bt = sub.add_parser("backtest", help="recompute published training runs from their reported inputs")
    bt.add_argument("--json", action="store_true", help="print JSON instead of tables")
    _serve_parser(sub)
    return parser


def _serve_parser(sub) -> None:
    se = sub.add_parser("serve", help="serving latency, throughput, $ per million tokens and energy per token "
                                      "(or: serve calibrate --file rows.csv)")
    se.add_argument("action", nargs="?", choices=("calibrate",),
                    help="calibrate: fit the serving efficiencies to your own measurements (--file)")
    se.add_argument("--model", help="a shape of data/architectures.csv")
    _config_flag(se)
    _chip_flags(se, precision=False)
    se.add_argument("--chips", metavar="N", default=1, help="chips in all (replicas of tensor x pipeline chips)")
    for flag, help_ in (("--tensor", "tensor-parallel chips per replica (default: the best layout)"),
                        ("--expert", "expert-parallel groups inside the tensor-parallel chips"),
                        ("--concurrency", "sequences in flight (continuous batching)"),
                        ("--batch", "one static batch of sequences"),
                        ("--window", "sliding-window attention: tokens each windowed layer keeps"),
                        ("--window-layers", "layers with the window (default: all)"),
                        ("--points", "batch sizes on the --frontier (default 64)")):
        se.add_argument(flag, type=_whole, help=help_)
    se.add_argument("--pipeline", type=_whole, default=1, help="pipeline stages per replica")
    se.add_argument("--attention-data-parallel", action="store_true",
                    help="attention replicated on each chip beside expert-parallel MoE layers")
    se.add_argument("--disaggregated", action="store_true",
                    help="prefill on chips of its own: --chips decode only, tokens/s per decode chip")
    se.add_argument("--precision", help=BY_NAME["precision"].meaning + " (default: the chip's 16-bit format; here the "
                    "weights': bf16, fp16, fp8, int8, fp4, int4)")
    se.add_argument("--kv-precision", help="KV cache: bf16, fp16, fp8, int8 (default 16-bit)")
    se.add_argument("--input-tokens", type=_whole, default=1000, help="prompt tokens per request (default 1000)")
    se.add_argument("--output-tokens", type=_whole, default=1000, help="generated tokens per request (default 1000)")
    se.add_argument("--ttft-limit", metavar="TIME", help='time-to-first-token limit, e.g. "2 s"')
    se.add_argument("--tpot-limit", metavar="TIME", help='time-per-output-token limit, e.g. "40 ms"')
    se.add_argument("--price", metavar="VALUE", help="USD per chip-hour, or per node (\"14 USD/h/node\": divided by "
                                                    "the hardware's server size); default: the training default, "
                                                    "data/prices.csv")
    se.add_argument("--pue", metavar="VALUE", help="data-centre PUE (default data/defaults.csv)")
    se.add_argument("--carbon-intensity", metavar="VALUE", help="kg CO2e per kWh (default data/defaults.csv)")
    se.add_argument("--frontier", action="store_true", help="list the throughput-latency curve over batch sizes")
    se.add_argument("--file", help="with calibrate: a CSV of your measurements (see calc.serve.calibration)")
    se.add_argument("--json", action="store_true", help="print JSON instead of a table")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, or 2 on bad input)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "estimate":
            return _estimate(args)
        if args.command == "claims":
            return _claims(args)
        if args.command == "hardware":
            return _hardware(args)
        if args.command == "backtest":
            return _backtest(args)
        if args.command == "cost":
            return _cost(args)
        if args.command in ("params", "memory"):
            return _shape_command(args)
        if args.command == "optimal":
            return _optimal(args)
        if args.command == "thresholds":
            return _thresholds(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "step":
            return _step(args)
        if args.command == "lifetime":
            return _lifetime(args)
        if args.command == "serve":
            return _serve(args)
    except InputError as exc:
        print(f"calc: error: {_flagged(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader (head, less) closed the pipe: not an error of ours
        sys.stderr.close()
        return 0
    return 0


# compare derives these per accelerator (calc.compare.HARDWARE_SPECIFIC, kept equal by a test; not imported:
# the parser is built before calc loads): giving one would be dropped, so they are not flags of it
HARDWARE_FLAGS_DROPPED = ("hardware", "precision", "peak", "price", "power", "duration", "chip_hours", "cost",
                          "energy", "emissions")


def _compare(args) -> int:
    from calc.compare import DEFAULT_LINEUP, HARDWARE_SPECIFIC, compare_hardware
    from calc.display import show

    known = {t.name: getattr(args, t.name) for t in TERMS
             if t.name not in HARDWARE_SPECIFIC and getattr(args, t.name, None) is not None}
    if not ({"compute"} <= set(known) or {"tokens"} <= set(known) and ({"params", "active_params"} & set(known))):
        raise InputError("compute", "give the run's size: --compute, or --params and --tokens (and --chips for "
                                    "the training time)")
    if any(isinstance(v, str) and ".." in v for v in known.values()):
        raise InputError(next(k for k, v in known.items() if isinstance(v, str) and ".." in v),
                         "compare takes one value per input; a range is for estimate")
    from calc import data

    names = [data.hardware(n).name for n in args.hardware] if args.hardware else list(DEFAULT_LINEUP)
    runs = compare_hardware(known, names)
    errors = [e for e in runs.values() if isinstance(e, InputError)]
    if len(errors) == len(runs):  # the run itself is wrong, not one chip's data
        raise errors[0]
    columns = ("duration", "chip_hours", "price", "cost", "energy")
    if args.json:
        print(json.dumps({name: {"error": str(e)} if isinstance(e, InputError) else {
            "precision": e.precision, **{c: _vu(e[c].value, _UNITS[c]) for c in ("peak",) + columns if c in e}}
            for name, e in runs.items()}, indent=2))
        return 0
    width = max(len(n) for n in runs)
    print(f"{'accelerator':<{width}}  {'peak':>17}  " + "  ".join(f"{c.replace('_', '-'):>16}" for c in columns))
    for name, e in runs.items():
        if isinstance(e, InputError):
            print(f"{name:<{width}}  {e.message}")
            continue
        cells = [show(c, e[c].value, short=True) if c in e else "—" for c in columns]
        print(f"{name:<{width}}  {show('peak', e.peak, short=True):>17}  " + "  ".join(f"{c:>16}" for c in cells))
    if "chips" not in known:
        print("(give --chips for the training time, chip-hours and cost)")
    return 0


_UNITS = {"peak": "FLOP/s/chip", "duration": "day", "chip_hours": "chip*hour", "price": "USD/chip/hour",
          "cost": "USD", "energy": "MWh"}


def _flagged(exc: InputError) -> str:
    fields = getattr(exc, "fields", None) or (exc.field,)
    message = getattr(exc, "message", str(exc))
    if all(f.isidentifier() for f in fields):
        text = ", ".join(_flag(f) for f in fields) + ": " + message
    else:
        text = str(exc)
    return " ".join(text.split())  # one line


def _estimate(args) -> int:
    from calc.display import show
    from calc.estimate import estimate

    known, notes = {}, []
    for name in (t.name for t in TERMS):
        raw = getattr(args, name)
        if raw is None:
            continue
        known[name] = raw  # bare numbers follow the one rule of calc.units.parse_quantity
    if args.price_per_node is not None or args.chips_per_node is not None:
        _price(args, known.get("hardware"))  # checks the flags together; estimate reads the price itself
        if args.price_per_node is not None:
            from calc.units import Q_, parse_quantity

            known["price"] = parse_quantity(args.price_per_node, "price_per_node", "USD/hour", bare_ok=False) / Q_(1, "node")
    if any(isinstance(v, str) and ".." in v for v in known.values()):
        if args.model or args.config:
            raise InputError("model", "give ranges without --model/--config (one shape, one search), or single values")
        return _simulate(args, known, notes)
    for flag in ("samples", "seed"):  # read only when a range is drawn: said, never dropped
        if getattr(args, flag) is not None:
            raise InputError(flag, "only used when an input is a range (e.g. --utilization 0.2..0.5); give one, "
                                   "or leave this flag out")
    result = estimate(rtol=args.rtol, chips_per_node=args.chips_per_node, model=_estimate_shape(args), **known)
    warnings = notes + list(result.warnings)
    if args.json:
        out = result.to_dict()
        out["warnings"] = warnings
        print(json.dumps(out, indent=2))
        return 0
    width = max(len(n) for n in result.items)
    for name, item in result.items.items():
        how = item.how if item.how != "given" else ""  # a given value's reading, when it took one (a node price)
        print(f"{name:<{width}}  {show(name, item.value):<42} {item.source:<8} {how}".rstrip())
    for name, why in result.undetermined.items():
        print(f"{name:<{width}}  {'—':<42} {'unknown':<8} {why}")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _estimate_shape(args):
    """The shape of ``estimate --model NAME`` or ``--config FILE``, or None."""
    if args.config and args.model:
        raise InputError("config", "give --config FILE or --model NAME, not both")
    if args.config:
        from calc.architecture import Transformer

        return Transformer.from_config(args.config)
    if args.model:
        from calc.architecture import lookup

        return lookup(args.model)
    return None


def _simulate(args, known: dict, notes: list[str]) -> int:
    from calc.display import show
    from calc.uncertainty import simulate

    sim = simulate(samples=10_000 if args.samples is None else args.samples, seed=args.seed or 0, rtol=args.rtol,
                   **known)
    est = sim.estimate
    output = "cost" if "cost" in est else "duration" if "duration" in est else None
    if args.json:
        out = est.to_dict()
        for name, q in out["quantities"].items():
            lo, mid, hi = sim.interval(name)
            q["value"], q["interval90"] = mid.magnitude, [lo.magnitude, hi.magnitude]
        out["samples"], out["seed"] = sim.samples, sim.seed
        out["sensitivity"] = [] if output is None else [
            {"input": n, "output": output, "low": lo.magnitude, "high": hi.magnitude}
            for n, lo, hi in sim.sensitivity(output)]
        out["warnings"] = notes + list(est.warnings)
        print(json.dumps(out, indent=2))
        return 0
    print(f"{sim.samples:,} samples (seed {sim.seed}); median and 90% interval")
    width = max(len(n) for n in est.items)
    for name, item in est.items.items():
        lo, mid, hi = sim.interval(name)
        spread = "" if lo.magnitude == hi.magnitude else f"  [{show(name, lo, True)} – {show(name, hi, True)}]"
        print(f"{name:<{width}}  {show(name, mid, True) + spread:<52} {item.source}")
    if output is not None:
        print(f"\nwhat drives {output} (each range alone across its 90% interval):")
        for n, lo, hi in sim.sensitivity(output):
            print(f"  {n:<{width}}  {show(output, lo, True)} – {show(output, hi, True)}")
    for w in notes + list(est.warnings):
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _claims(args) -> int:
    from calc.claims import check_all, figures
    from calc.display import number

    results = check_all()
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
        return 0
    rows = [("claim", "quoted", "recomputed", "ratio", "verdict")]
    for r in results:
        rows.append((
            r.id,
            f"{number(r.quoted.magnitude)} {r.quoted.units:~P}".strip(),
            "—" if r.recomputed is None else f"{number(r.recomputed.magnitude)} {r.recomputed.units:~P}".strip(),
            "—" if r.ratio is None else number(r.ratio),
            r.verdict,
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    ranged = [r for r in results if r.plausible is not None]
    if ranged:
        print("\nplausible 90% ranges under defensible assumptions:")
        for r in ranged:
            lo, hi = r.plausible
            print(f"  {r.id}: quoted {number(r.quoted.magnitude)}, plausible {number(lo.magnitude)} to "
                  f"{number(hi.magnitude)} {lo.units:~P} ({r.plausible_reason})")
    counts = {v: sum(r.verdict == v for r in results) for v in ("reproduced", "off", "inconsistent-units")}
    print(f"\n{len(results)} claims: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
    unchecked = figures()
    if unchecked:
        print(f"\n{len(unchecked)} quoted figures are context, not checkable claims:")
        for f in unchecked:
            at = f"{f.article}, {f.where}" if f.source else f"{f.article}:{f.line}"
            print(f"  {f.id} ({at}): {f.why}")
            if f.interpretation is not None:
                print(f"    = {number(f.interpretation.magnitude)} {f.interpretation.units:~P}".rstrip())
            for label, q in f.more:
                print(f"    {label}: {number(q.magnitude)} {q.units:~P}".rstrip())
    return 0


def _cost(args) -> int:
    from calc.cost import (
        acquisition_cost,
        amortized_cost,
        check_run,
        cloud_cost,
        given_price_cost,
        in_dollars_of,
        published_run,
        reconcile,
        scenario_start,
    )

    compute, hardware, chip_hours, chips, start = args.compute, args.hardware, args.chip_hours, args.chips, args.start
    if args.model:
        run = published_run(args.model)  # the app's rule too: publication minus training time, in whole days
        compute = compute or run["compute"]
        hardware = hardware or run["hardware"]
        chips = chips or run["chips"]
        chip_hours = chip_hours if chip_hours is not None else run["chip_hours"]
        start = start or (None if run["start"] is None else run["start"].isoformat())
    dated = start is not None
    start = start or scenario_start().isoformat()  # a run of today: the newest prices, as `estimate` uses
    for name, value in (("hardware", hardware), ("chip_hours", chip_hours)):
        if value is None and args.model:  # the flag was not given, and the run does not say: name both
            said = "neither its chip-hours nor its chips and duration" if name == "chip_hours" else "no hardware"
            raise InputError(name, f"not given, and data/models.csv gives {said} for {args.model}: give --"
                                   f"{name.replace('_', '-')} to price it")
        if value is None:
            raise InputError(name, "required (or give --model with a published run that has it)")
    hardware = check_run(chip_hours, hardware, start)[1]  # bad input fails the command; the chip is resolved once
    if args.precision and not compute:  # read only by the reconciliation, which starts from the compute
        raise InputError("precision", "only used with --compute (the reconciliation's peak); give --compute, or "
                                      "leave --precision out")
    if chips is not None:
        from calc.reader import read_chips

        read_chips(chips)
    price, how = _price(args, hardware)
    methods = [] if price is None else [given_price_cost(chip_hours, price, start, how)]
    for commitment in ("on-demand", "1-year", "3-year"):
        try:
            methods.append(cloud_cost(chip_hours, hardware, start, commitment))
        except InputError as exc:
            methods.append(exc)
    for fn, arg in ((amortized_cost, chip_hours), (acquisition_cost, chips)):
        if arg is None:
            continue
        try:
            methods.append(fn(arg, hardware, start))
        except InputError as exc:
            methods.append(exc)
    if args.year:
        methods = [in_dollars_of(m, args.year) if not isinstance(m, InputError) else m for m in methods]
    steps = reconcile(compute, hardware, chip_hours, start, args.precision, args.year) if compute else []
    if args.json:
        out = {"start": start, "methods": [{"method": m.method, "usd": m.value.m_as("USD"), "year": m.year, "basis": m.basis,
                            "parts": {k: v.m_as("USD") for k, v in m.parts.items()}} if not isinstance(m, InputError)
                           else {"error": str(m)} for m in methods],
               "reconciliation": [{"step": a, "usd": b.m_as("USD"), "why": c} for a, b, c in steps]}
        print(json.dumps(out, indent=2))
        return 0
    if not dated:
        print(f"a run starting today ({start}), at the newest prices in force (--start for another date)")
    for m in methods:
        if isinstance(m, InputError):
            print(f"{'—':<24} {m}")
        else:
            print(f"{m.method:<24} ${m.value.m_as('USD'):>14,.0f}  ({m.year} USD)  {m.basis}")
    if steps:
        print("\nreconciliation, one factor at a time:")
        prev = None
        for label, value, why in steps:
            factor = "" if prev is None else f"x{value.m_as('USD') / prev:.2f}"
            print(f"  {label:<28} ${value.m_as('USD'):>14,.0f} {factor:>7}  {why}")
            prev = value.m_as("USD")
    return 0


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
        given["tied_embeddings"] = False
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
        raise InputError(missing[0], f"required with the other shape flags ({', '.join('--' + m.replace('_', '-') for m in missing)} "
                                     "missing), or give --model NAME or --config FILE")
    return Transformer(**given)


def _vu(q, unit: str) -> dict:
    return {"value": float(q.m_as(unit)), "unit": unit}


def _shape_command(args) -> int:
    from calc.display import number
    from calc.reader import whole

    t = _shape(args)
    seq = None if args.sequence is None else whole("sequence", args.sequence)
    T = t.check_sequence(seq or t.context)
    if t.sequence_note(seq):
        print(f"warning: {t.sequence_note(seq)}", file=sys.stderr)
    if args.command == "params":
        counts = {}
        for count in ("kaplan2020", "palm2022", "megatron2021", "megatron2021-recompute"):
            counts[count] = (t.flop_per_token(count, sequence=T)
                             if t.is_megatron_shape or not count.startswith("megatron") else None)
        counts["exact"] = t.flop_per_token("exact", sequence=T)
        counts["exact-recompute-selective"] = t.flop_per_token("exact", sequence=T, recompute="selective")
        counts["exact-recompute-full"] = t.flop_per_token("exact", sequence=T, recompute="full")
        if args.json:
            out = {"params": _vu(t.params(), "param"), "active_params": _vu(t.active_params(), "param"),
                   "sequence": T, "breakdown": {k: _vu(v, "param") for k, v in t.breakdown().items()},
                   "flop_per_token": {k: None if v is None else _vu(v, "FLOP/token") for k, v in counts.items()}}
            print(json.dumps(out, indent=2))
            return 0
        print(f"params         {t.params().m_as('param'):,.0f}")
        print(f"active params  {t.active_params().m_as('param'):,.0f}")
        for k, v in t.breakdown().items():
            print(f"  {k:<38} {v.m_as('param'):>18,.0f}")
        print(f"FLOP per token at sequence {T:,} (training: forward + backward)")
        if seq is None and args.config and not args.model:
            print(f"  the sequence is the config's longest position ({T:,}); runs mostly train shorter: "
                  "give --sequence for the training length")
        for count, v in counts.items():
            value = number(v.m_as("FLOP/token")) if v is not None else "n/a (eq. 3 assumes a dense 4h transformer)"
            print(f"  {count:<28} {value}")
        print(f"the PaLM count is {float(counts['palm2022'] / counts['kaplan2020']) - 1:.1%} above 6N; exact counts "
              "every matrix multiply, as torch's FLOP counter does")
        return 0
    from calc.memory import DEFAULTS, default_zero, min_chips, per_chip

    layout = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k, None) is not None}
    layout.pop("sequence", None)
    if args.lora_rank is not None and args.finetune is None:  # the adapters' rank: nothing else reads it
        raise InputError("lora_rank", "only used with --finetune lora or qlora; give it, or leave --lora-rank out")
    if args.sequence_parallel:
        layout["sequence_parallel"] = True
    if args.dropout:
        layout["dropout"] = True
    m = per_chip(t, sequence=T, **layout)
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
        settings = {**DEFAULTS, **layout, "sequence": T}
        settings["zero"] = layout.get("zero", default_zero(settings["states"]))
        print(json.dumps({"per_chip": parts, "layout": settings, "hardware": args.hardware,
                          "fewest_chips": fewest and _vu(fewest[0], "chip"),
                          "fewest_chips_data_parallel": fewest and fewest[1], "fewest_chips_note": why}, indent=2))
        return 0
    shown = {**DEFAULTS, **layout, "sequence": T}
    shown["zero"] = layout.get("zero", default_zero(shown["states"]))
    print(f"per chip at ZeRO stage {shown['zero']} ({shown['states']} convention), data parallel "
          f"{shown['data_parallel']} x tensor {shown['tensor']} x pipeline {shown['pipeline']}, micro-batch "
          f"{shown['micro_batch']} x {T:,} tokens, {shown['recompute']} recomputation")
    for k, v in m.parts.items():
        gb = v.m_as("GB/chip")
        if k == "gradients" and gb == 0 and shown["states"] == "deepspeed":
            print(f"{_PART_LABELS[k]:<18} {'':>12}  counted in the optimizer states (DeepSpeed's estimate)")
            continue
        print(f"{_PART_LABELS.get(k, k):<18} {gb:>12,.2f} GB/chip")
    print(f"{'total':<18} {m.total.m_as('GB/chip'):>12,.2f} GB/chip")
    if fewest is None:
        print(f"fewest {args.hardware}: none in this layout; {why}")
        print("  (python -m calc step --model ... --chips N --global-batch B --search finds the layouts that fit)")
        return 0
    print(f"fewest {args.hardware} that hold the training state: {fewest[0].m_as('chip'):,.0f} "
          f"(data parallel {fewest[1]} x tensor {shown['tensor']} x pipeline {shown['pipeline']}, "
          f"ZeRO {shown['zero']}, {shown['states']})")
    return 0


# The memory parts in words (the JSON keeps calc.memory's keys).
_PART_LABELS = {"weights": "weights", "gradients": "gradients", "optimizer_state": "optimizer states",
                "gathered": "gathered weights", "activations": "activations"}


def _optimal(args) -> int:
    from calc.display import number, show
    from calc.scaling import allocation, compute_optimal, laws

    names = [args.law] if args.law else list(laws())
    if args.compute and (args.params or args.tokens):
        raise InputError("compute", "give --compute alone (the optimum for a budget), or --params and --tokens "
                                    "(a run against the optimum for its own compute, 6 x params x tokens), not both")
    if args.params and args.tokens:
        out = {}
        for name in names:
            a = allocation(args.params, args.tokens, name)
            o = a["optimal"]
            out[name] = {"loss": float(a["loss"]), "optimal": _optimum(o),
                         "params_over_optimal": float(a["params_over_optimal"]),
                         "tokens_over_optimal": float(a["tokens_over_optimal"])}
            if not args.json:
                print(f"{name:<14} loss {number(a['loss'], 4)} (optimal {number(o.loss, 4)}); params "
                      f"{number(a['params_over_optimal'])}x and tokens {number(a['tokens_over_optimal'])}x the optimum "
                      f"for {show('compute', o.compute)}")
        if args.json:
            print(json.dumps(out, indent=2))
        return 0
    if args.params or args.tokens:
        given, missing = ("params", "tokens") if args.params else ("tokens", "params")
        raise InputError(missing, f"required with --{given} (to compare a run with the optimum), "
                                  "or give --compute alone")
    if not args.compute:
        raise InputError("compute", "required: the training budget in FLOP, e.g. --compute 1e24 "
                                    "(or give --params and --tokens to compare a run with the optimum)")
    optima = {name: compute_optimal(args.compute, name) for name in names}
    if args.json:
        print(json.dumps({name: _optimum(o) for name, o in optima.items()}, indent=2))
        return 0
    for name, o in optima.items():
        print(f"{name:<14} {show('params', o.params):<16} {show('tokens', o.tokens):<18} "
              f"{number(o.tokens_per_param):>8} tokens/param  loss {number(o.loss, 4)}")
    for w in dict.fromkeys(o.warning for o in optima.values() if o.warning):  # said once, not once per law
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _optimum(o) -> dict:
    return {"compute": _vu(o.compute, "FLOP"), "params": _vu(o.params, "param"), "tokens": _vu(o.tokens, "token"),
            "tokens_per_param": float(o.tokens_per_param), "loss": float(o.loss), "warning": o.warning}


def _thresholds(args) -> int:
    from calc import data
    from calc.data import thresholds
    from calc.display import number, show
    from calc.thresholds import cluster_crossings, run_crossings, runs_per_budget, time_to_reach

    _run_compute(args)
    if not (args.compute or (args.chips and args.hardware)):
        raise InputError("compute", "give the run (--compute, --params and --tokens, or --model) or a cluster "
                                    "(--chips and --hardware)")
    for name in ("utilization", "budget"):
        if getattr(args, name) is not None and not (args.chips and args.hardware):
            raise InputError(name, "only used with --chips and --hardware (what each line takes that cluster); "
                                   "give them, or leave this flag out")
    if args.utilization is not None:
        from calc.reader import read_value

        read_value("utilization", args.utilization)
    for name in ("fine_tuning", "cost", "biological"):  # lines of a run: without one, they would be dropped
        if getattr(args, name) and not args.compute:
            raise InputError(name, "only used with the run (--compute, --params and --tokens, or --model); give it, "
                                   "or leave this flag out")
    rows = []
    if args.compute:
        rows += run_crossings(args.compute, args.fine_tuning, args.cost,
                              "biological sequence data" if args.biological else "all models")
    hw = None
    if args.chips and args.hardware:
        rows += cluster_crossings(args.chips, args.hardware)
        hw = data.hardware(args.hardware)  # resolved once (cluster_crossings checked the chips first)
    reach = []
    if hw is not None:
        lines = sorted({t.compute.m_as("FLOP") for t in thresholds().values() if t.compute and t.applies_to == "all models"})
        for line in lines:
            est = time_to_reach(f"{line} FLOP", args.chips, hw, args.utilization)
            reach.append((line, est))
    start = None
    if reach:
        from calc.cost import all_methods, default_price, price_basis, scenario_start

        start = scenario_start()  # a run of today, at the newest prices in force: `estimate`'s price
    costed = []  # (line, estimate, {method: cost or the reason it has none}, on-demand cost, runs the budget buys)
    for line, e in reach:
        methods = all_methods(e.chip_hours, hw, start)
        names = ("cloud (on-demand)", "cloud (3-year)", "amortized ownership")  # all_methods' order
        by_method = {m.method if not isinstance(m, InputError) else name: m if isinstance(m, InputError) else m.value
                     for name, m in zip(names, methods)}
        rent = next((m.value for m in methods if not isinstance(m, InputError) and m.method == "cloud (on-demand)"), None)
        runs = runs_per_budget(args.budget, rent) if args.budget and rent is not None else None
        costed.append((line, e, by_method, methods, runs))
    if args.json:
        print(json.dumps({
            "crossings": [{"threshold": c.threshold.id, "name": c.threshold.name, "status": c.threshold.status,
                           "measure": c.measure, "value": c.value.magnitude, "line": c.line.magnitude,
                           "unit": f"{c.line.units:~C}", "ratio": c.ratio, "crosses": c.crosses} for c in rows],
            "prices_of": None if start is None else str(start),
            "time_to_reach": [{"compute": line, "days": e.duration.m_as("day"), "utilization": float(e.utilization),
                               "cost_usd": {k: (v.m_as("USD") if not isinstance(v, InputError) else None)
                                            for k, v in by_method.items()},
                               "no_cost_because": {k: v.message for k, v in by_method.items()
                                                   if isinstance(v, InputError)},
                               "runs_within_budget": runs} for line, e, by_method, _, runs in costed],
        }, indent=2))
        return 0
    for c in rows:
        t = c.threshold
        verdict = "CROSSES" if c.crosses else "at line" if c.ratio == 1 else "below"
        dates = (f"vetoed {t.signed}" if t.status == "vetoed" else
                 f"signed {t.signed}" + (f", revoked {t.revoked}" if t.revoked else
                                          "" if t.status == "signed" else f", {t.status}"))
        print(f"{verdict:<8} {number(c.ratio) + 'x':>12}  {c.measure:<26} {t.name} [{t.jurisdiction}; {dates}]")
    if reach:
        n = reach[0][1].chips
        cluster = f"{show('chips', n)} of {args.hardware}"
        print(f"\nwhat each line takes {cluster} (costs of a run starting today, {start}, at the newest prices "
              "in force):")
        on_demand = default_price(hw, "on-demand", start)
        if on_demand is not None:
            tiers = ("the 3-year price from the same cloud" if default_price(hw, "3-year", start)
                     else f"{on_demand.vendor} lists no 3-year price for it")
            print(f"  cloud prices: {price_basis(on_demand)}; {tiers}")
        reasons = dict.fromkeys(m.message for *_, methods, _ in costed for m in methods if isinstance(m, InputError))
        for why in reasons:  # said once for every line, not inside each; the missing 3-year tier is said above
            if on_demand is None or "3-year" not in why:
                print(f"  not priced: {why}")
    for line, e, _, methods, runs in costed:
        costs = "; ".join(f"{m.method} {show('cost', m.value)}" for m in methods if not isinstance(m, InputError))
        budget = "" if runs is None else f"; {args.budget} buys {runs:,.1f} such runs on demand"
        print(f"  {number(line)} FLOP: {show('duration', e.duration)} at {show('utilization', e.utilization)} "
              f"utilization{'; ' + costs if costs else ''}{budget}")
    return 0


def _run_compute(args) -> None:
    """thresholds: the run's compute from --params and --tokens, or from --model, into args.compute (said on
    stderr); --compute with either is refused, not one of them dropped."""
    from calc.estimate import estimate

    size = {n: getattr(args, n) for n in ("params", "tokens", "flop_per_param_token") if getattr(args, n) is not None}
    if args.compute and (size or args.model):
        raise InputError("compute", "give the run's compute, or its --params and --tokens, or --model; not two of them")
    if args.model and size:
        raise InputError("model", "give --model (a published run) or --params and --tokens, not both")
    if args.model:
        from calc import data

        m = data.model(args.model)
        q = m.quantities
        if "compute" in q:
            args.compute, how = q["compute"], f"{m.name}'s reported compute (data/models.csv)"
        elif "params" in q and "tokens" in q:
            size = {"params": q.get("active_params", q["params"]), "tokens": q["tokens"]}
            how = f"{m.name}'s parameters and tokens (data/models.csv)"
        else:
            raise InputError("model", f"data/models.csv gives neither the compute nor the parameters and tokens of "
                                      f"{m.name}; give --compute")
        if args.chips is None and args.hardware is None and "chips" in q and m.hardware:
            args.chips, args.hardware = q["chips"], m.hardware
            how += f"; its cluster, {q['chips'].m_as('chip'):,.0f} {m.hardware}"
    if size:
        missing = [n for n in ("params", "tokens") if n not in size]
        if missing:
            raise InputError(missing[0], f"required with --{'tokens' if missing[0] == 'params' else 'params'}: the "
                                         "run's compute is flop_per_param_token x params x tokens")
        est = estimate(**size)
        args.compute = est.compute
        if not args.model:
            how = f"{est['flop_per_param_token'].value.m_as('FLOP/param/token'):g} x params x tokens"
    if args.compute is not None and (size or args.model) and not args.json:
        from calc.display import show

        print(f"the run: {show('compute', args.compute)}, {how}\n")


def _lifetime(args) -> int:
    from calc.display import number, show
    from calc.lifetime import lifetime

    if args.inference_tokens is None:
        raise InputError("inference_tokens", "required: the tokens the model will serve over its life, e.g. "
                                             "--inference-tokens 2T (0 gives the compute-optimal model)")
    prices = dict(training_price=args.training_price, serving_price=args.serving_price,
                  serving_price_params=args.serving_price_params, hardware=args.hardware, utilization=args.utilization)
    modelled = None
    if args.hardware is not None and args.serving_price is None:  # the chip given: serving priced by calc.serve
        from calc.service_life import lifetime_prices

        prices, modelled = lifetime_prices(args.hardware, loss=args.loss, params=args.params, tokens=args.tokens,
                                           model=args.model, law=args.law, **{k: prices[k] for k in
                                                                             ("training_price", "utilization")})
    r = lifetime(loss=args.loss, params=args.params, tokens=args.tokens, model=args.model,
                 inference_tokens=args.inference_tokens, law=args.law, **prices)

    def plan(p, priced=False):
        out = {"params": _vu(p.params, "param"), "tokens": _vu(p.tokens, "token"),
               "tokens_per_param": float(p.tokens_per_param),
               "training_compute": _vu(p.training_compute, "FLOP"), "inference_compute": _vu(p.inference_compute, "FLOP"),
               "lifetime_compute": _vu(p.lifetime_compute, "FLOP")}
        if priced:
            out.update(training_cost=_vu(p.training_cost, "USD"), serving_cost=_vu(p.serving_cost, "USD"),
                       lifetime_cost=_vu(p.lifetime_cost, "USD"))
        return out

    break_even = float(r.break_even.m_as("token"))
    if args.json:
        out = {"law": r.law, "loss": float(r.loss), "inference_tokens": _vu(r.inference_tokens, "token"),
               **plan(r.optimum), "compute_optimal": plan(r.compute_optimal),
               "saving": _vu(r.saving, "FLOP"), "saving_fraction": float(r.saving_fraction),
               "size_fraction": float(r.size_fraction), "training_overhead": float(r.training_overhead),
               "given": None if r.given is None else plan(r.given),
               "break_even": None if math.isnan(break_even) else {"value": break_even, "unit": "token"}}
        if r.cost_optimum is not None:
            out["dollars"] = {"optimum": plan(r.cost_optimum, True), "compute_optimal": plan(r.compute_optimal_cost, True),
                              "given": None if r.given_cost is None else plan(r.given_cost, True),
                              "saving": _vu(r.cost_saving, "USD"), "prices": modelled or {"source": "given"}}
        print(json.dumps(out, indent=2))
        return 0
    print(f"target loss {r.loss:.4f} nats/token under {r.law}; {show('tokens', r.inference_tokens)} served over the "
          "model's life (2 FLOP per parameter each)")
    rows = [("lifetime optimum", r.optimum), ("compute-optimal", r.compute_optimal)]
    if r.given is not None:
        rows.append(("the run given", r.given))
    print(f"\n{'':<18}{'params':>14}{'tokens':>16}{'tokens/param':>14}{'training':>14}{'lifetime':>14}")
    for name, p in rows:
        print(f"{name:<18}{show('params', p.params):>14}{show('tokens', p.tokens):>16}{number(p.tokens_per_param):>14}"
              f"{number(p.training_compute.m_as('FLOP')):>14}{number(p.lifetime_compute.m_as('FLOP')):>14}")
    print(f"\nsaving against the compute-optimal model: {number(r.saving.m_as('FLOP'))} FLOP "
          f"({r.saving_fraction:.1%} of its lifetime compute); the optimum is {r.size_fraction:.0%} of its size "
          f"for {r.training_overhead:.1%} more training compute (de Vries' overhead)")
    if r.given is not None:
        extra = (r.given.lifetime_compute - r.optimum.lifetime_compute).m_as("FLOP")
        print(f"saving against the run given: {number(extra)} FLOP "
              f"({extra / r.given.lifetime_compute.m_as('FLOP'):.1%} of its lifetime compute)")
    if not math.isnan(break_even):
        who = "the run given" if r.given is not None and r.break_even is not None and \
            r.given.params.m_as("param") < r.compute_optimal.params.m_as("param") * (1 - 1e-6) else "the optimum"
        print(f"break-even demand: {show('tokens', r.break_even)} ({who} costs less over its life beyond it)")
    if r.cost_optimum is not None:
        print("\ndollars (training at the --training-price, serving at the --serving-price scaled by size):" if modelled
              is None else f"\ndollars, {modelled['basis']}; serving scaled by size:")
        rows = [("cost optimum", r.cost_optimum), ("compute-optimal", r.compute_optimal_cost)]
        if r.given_cost is not None:
            rows.append(("the run given", r.given_cost))
        for name, p in rows:
            print(f"  {name:<16}{show('params', p.params):>14}  training {show('cost', p.training_cost)}, serving "
                  f"{show('cost', p.serving_cost)}, lifetime {show('cost', p.lifetime_cost)}")
        print(f"  saving: {show('cost', r.cost_saving)}")
    return 0


def _goals() -> tuple:
    from calc.perf import GOALS

    return GOALS


def _layout_flags(parser) -> None:
    """The ``step`` command's layout flags, one per field of calc.perf.Layout, from its metadata (name,
    help, default): a new field of the layout is a new flag without an edit here."""
    from calc.perf import layout_options

    for option in layout_options():
        dest, help_ = option.name, option.help
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
            parser.add_argument(option.flag, dest=dest, action=argparse.BooleanOptionalAction, default=None,
                                help=help_)
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
        raise InputError("attention", f"expected flash2 (FlashAttention-2) or triton, got {kernel!r}")
    fields["triton_attention"] = ATTENTION_KERNELS[kernel]
    return fields


def _step_budget(args, model, hardware, perf, number, show) -> int:
    """step --budget: chip counts and their fastest layouts for a run of --tokens within a budget."""
    if args.tokens is None:
        raise InputError("tokens", "required with --budget: the training tokens, e.g. --tokens 300e9")
    found = perf.budget_search(model, hardware, args.global_batch, args.tokens, args.budget,
                               sequence=args.sequence, precision=args.precision, flash_attention=args.flash_attention,
                               price=args.price, max_chips=args.chips, goal=args.goal)
    if args.json:
        def vu(q, unit):
            return None if q is None else {"value": float(q.m_as(unit)), "unit": unit}
        print(json.dumps({
            "budget": vu(found.budget, str(found.budget.units)), "price": vu(found.price, "USD/chip/hour"),
            "price_source": found.price_source, "goal": args.goal,
            "best": None if found.best is None else found.best.chips,
            "options": [{"chips": o.chips, "within_budget": o.within, "duration": vu(o.duration, "day"),
                         "chip_hours": vu(o.chip_hours, "chip*hour"), "cost": vu(o.cost, "USD"),
                         "step": o.step.to_dict()} for o in found.options],
            "why": found.why}, indent=2))
        return 0
    print(f"{'chips':>8}  {'layout':<38}{'duration':>14}{'chip-hours':>13}{'cost':>10}  within budget")
    for o in found.options:
        cost = "" if o.cost is None else show("cost", o.cost)
        mark = "yes" if o.within else "no"
        if o is found.best:
            mark += f" ({args.goal})"
        print(f"{number(o.chips):>8}  {o.step.layout.describe():<38}{show('duration', o.duration):>14}"
              f"{number(o.chip_hours.m_as('chip*hour')):>13}{cost:>10}  {mark}")
    if found.price is not None:
        print("\nprice: " + (f"{show('price', found.price)}, given" if found.price_source == "given" else found.price_source))
    print(found.why)
    return 0


def _step(args) -> int:
    from calc import data, perf
    from calc.architecture import Transformer
    from calc.display import number, show

    if args.config:
        model = Transformer.from_config(args.config)
    elif args.model:
        from calc.architecture import lookup

        model = lookup(args.model)  # case-insensitive, with suggestions
    else:
        raise InputError("model", "give --model NAME or --config FILE")
    if args.hardware is None:
        raise InputError("hardware", 'required: an accelerator of data/hardware.csv, e.g. --hardware "H100 SXM5" '
                                     "(python -m calc hardware lists them)")
    if args.global_batch is None:
        raise InputError("global_batch", "required: the number of sequences per optimizer step, e.g. "
                                         "--global-batch 1536 (GPT-3: 1536 sequences of 2048 tokens)")
    hardware = data.hardware(args.hardware)  # the chip object, resolved once and passed down
    args.price = _price(args, hardware)[0]  # per chip-hour, a node's price divided by its chips
    if args.price is not None and args.tokens is None and args.budget is None:
        raise InputError("price", "only used with --tokens (the run's cost) or --budget; give one, or leave the "
                                  "price out")
    if args.budget is not None:
        return _step_budget(args, model, hardware, perf, number, show)
    if args.chips is None:
        raise InputError("chips", "required: the number of chips in the cluster, e.g. --chips 1024")
    if args.search:
        found = perf.search(model, hardware, args.chips, args.global_batch, sequence=args.sequence,
                            precision=args.precision, flash_attention=args.flash_attention, top=args.top)
        if args.json:
            print(json.dumps({"layouts": [s.to_dict() for s in found.steps], "tried": found.tried,
                              "did_not_fit": found.refused, "why": found.why}, indent=2))
            return 0
        if found.steps:
            print(f"{'layout':<40}{'step time':>12}{'MFU':>8}{'memory/chip':>14}")
        for s in found.steps:
            print(f"{s.layout.describe():<40}{number(s.step_time.m_as('s')) + ' s':>12}{s.mfu:>8.1%}"
                  f"{number(s.memory_per_chip.m_as('GB/chip')) + ' GB':>14}")
        ties = f"; {found.ties:,} that tie a simpler one listed (same time and memory) left out" if found.ties else ""
        if found.tried:
            print(f"\n{found.tried:,} layouts tried; {found.refused:,} faster than the first did not fit in memory{ties}.")
        print(found.why)
        return 0
    if model.sequence_note(args.sequence):
        print(f"warning: {model.sequence_note(args.sequence)}", file=sys.stderr)
    s = perf.predict(model, hardware, args.chips, check_memory=args.check_memory, **_layout(args))
    duration = s.duration(args.tokens) if args.tokens else None
    run = {}
    if args.tokens:  # the whole run through calc.estimate, utilization marked modelled
        from calc.estimate import estimate

        priced = {} if args.price is None else {"price": args.price}
        est = estimate(model=model, layout=s, hardware=args.hardware, chips=args.chips, tokens=args.tokens, **priced)
        units = {"duration": "day", "chip_hours": "chip*hour", "price": "USD/chip/hour", "cost": "USD",
                 "energy": "MWh"}
        run = {name: est[name].value for name in units if name in est}
        price_note = est["price"].how if "price" in est and est["price"].source != "given" else "given"
    if args.json:
        out = s.to_dict()
        if duration is not None:
            out["duration"] = {"value": duration.m_as("day"), "unit": "day"}
            out["run"] = {name: {"value": float(q.m_as(units[name])), "unit": units[name]} for name, q in run.items()}
        print(json.dumps(out, indent=2))
        return 0
    t = s.step_time.m_as("s")
    print(f"layout              {s.layout.describe()}, data parallel {s.data_parallel}, "
          f"{s.micro_batches} micro-batches")
    print(f"step time           {number(t)} s")
    print(f"tokens per second   {number(s.tokens_per_second.m_as('token/s'))}")
    print(f"throughput          {number(s.throughput.m_as('TFLOP/s/chip'))} TFLOP/s per chip (model FLOP)")
    print(f"MFU                 {s.mfu:.1%}  (a prediction: 0.97-1.08x of 24 published Megatron runs; 28 of 33 "
          "other published runs within 20%, the misses up to 1.3x too fast, see the README)")
    print(f"HFU                 {s.hfu:.1%}")
    over = "" if s.fits else (f"  (does NOT fit the {number(s.capacity / 1e9)} GB of a {args.hardware}: "
                              "predicted anyway, --ignore-memory)")
    print(f"memory per chip     {number(s.memory_per_chip.m_as('GB/chip'))} GB{over}")
    if duration is not None:
        print(f"for {show('tokens', est.tokens)} (calc.estimate, utilization modelled):")
        for name, q in run.items():
            note = f"  ({price_note})" if name == "price" else ""
            print(f"  {name.replace('_', '-'):<18}{show(name, q)}{note}")
    print("where the step goes:")
    for part, q in s.breakdown.items():
        sec = q.m_as("s")
        shown = f"{number(sec)} s" if sec >= 0.1 else f"{number(sec * 1e3)} ms"  # 0.58 ms, not 5.81 × 10⁻⁴ s
        print(f"  {part:<32}{shown:>12} {sec / t:>7.1%}")
    return 0


def _backtest(args) -> int:
    from calc.backtest import epoch_checks, modelled_checks, published_checks, summary

    checks = published_checks() + modelled_checks()
    epoch, excluded = epoch_checks()
    rows = summary(checks + epoch)
    if args.json:
        print(json.dumps({"checks": [c.to_dict() for c in checks + epoch], "summary": rows, "excluded": excluded},
                         indent=2))
        return 0
    print(f"{'run':<26}{'method':<22}{'output':<10}{'ratio':>7}  within")
    for c in checks + [c for c in epoch if not c.within]:
        mark = "yes" if c.within else "NO: " + (c.note.split(":")[0] or "reason not written down")
        print(f"{c.run[:25]:<26}{c.method:<22}{c.output:<10}{c.ratio:7.3f}  {mark}")
    print(f"({sum(c.within for c in epoch)} more Epoch AI runs within 20% not listed)\n")
    print(f"{'group':<11}{'method':<22}{'output':<10}{'runs':>5}{'median':>9}{'worst':>9}{'<5%':>6}{'<20%':>6}{'<2x':>6}")
    for r in rows:
        print(f"{r['group']:<11}{r['method']:<22}{r['output']:<10}{r['runs']:>5}"
              f"{(r['median_factor'] - 1) * 100:>8.1f}%{r['worst_factor']:>8.3g}x"
              f"{r['within_5%']:>6.0%}{r['within_20%']:>6.0%}{r['within_2x']:>6.0%}")
    for e in excluded:
        print(f"excluded: {e}")
    return 0


def _hardware(args) -> int:
    from calc.data import hardware_table
    from calc.display import show

    table = hardware_table()
    if args.json:
        print(json.dumps({h.name: {"vendor": h.vendor,
                                   "memory": None if h.memory is None else _vu(h.memory, "GB/chip"),
                                   "peak": {p: _vu(q, "FLOP/s/chip") for p, q in h.peaks.items()}}
                          for h in table.values()}, indent=2))
        return 0
    print(f"{'accelerator':<16} {'vendor':<7} {'memory':>9}  dense peak by number format")
    for h in table.values():
        peaks = ", ".join(f"{p} {show('peak', q.to('FLOP/s/chip'))}" for p, q in h.peaks.items())
        mem = "" if h.memory is None else f"{h.memory.m_as('GB/chip'):,.4g} GB"
        print(f"{h.name:<16} {h.vendor:<7} {mem:>9}  {peaks}")
    return 0




def _serve(args) -> int:
    """serve: one serving answer, the frontier, or a calibration to the user's rows."""
    from calc.architecture import Transformer
    from calc.display import number
    from calc.serve import FRONTIER_POINTS, frontier, serve

    if args.action == "calibrate":
        from calc.serve import calibration

        if args.file is None:
            raise InputError("file", "required with calibrate: a CSV of your measurements, e.g. --file rows.csv")
        fit = calibration.calibrate(args.file)
        if args.json:
            print(json.dumps(fit.to_dict(), indent=2))
        else:
            print(fit.describe())
        return 0
    if args.file is not None:  # read only by calibrate: said, never dropped
        raise InputError("file", "only used with calibrate (python -m calc serve calibrate --file rows.csv); give "
                                 "calibrate, or leave --file out")
    if args.points is not None and not args.frontier:
        raise InputError("points", "only used with --frontier (the points of the curve); give --frontier, or leave "
                                   "--points out")
    if args.config and args.model:
        raise InputError("config", "give --config FILE or --model NAME, not both")
    model = Transformer.from_config(args.config) if args.config else args.model
    if model is None:
        raise InputError("model", "give --model NAME or --config FILE")
    if args.hardware is None:
        raise InputError("hardware", 'required: an accelerator of data/hardware.csv, e.g. --hardware "H100 SXM5"')
    options = dict(tensor=args.tensor, pipeline=args.pipeline, expert=args.expert,
                   attention_data_parallel=args.attention_data_parallel, precision=args.precision,
                   kv_precision=args.kv_precision, input_tokens=args.input_tokens, output_tokens=args.output_tokens,
                   window=args.window, window_layers=args.window_layers, price=args.price, pue=args.pue,
                   carbon_intensity=args.carbon_intensity, disaggregated=args.disaggregated)
    if args.frontier:
        load = {"concurrency": args.concurrency, "batch": args.batch, "ttft_limit": args.ttft_limit,
                "tpot_limit": args.tpot_limit}
        options.update({k: v for k, v in load.items() if v is not None})
        f = frontier(model, args.hardware, args.chips, points=args.points or FRONTIER_POINTS, **options)
        if args.json:
            print(json.dumps(f.to_dict(), indent=2))
            return 0
        lay = f.layout
        print(f"tensor {lay['tensor']} x pipeline {lay['pipeline']}, {number(lay['replicas'])} replica(s), {lay['precision']}")
        print(f"{'concurrency':>12}{'TTFT (ms)':>12}{'TPOT (ms)':>12}{'tokens/s per user':>19}{'tokens/s per chip':>19}")
        for i, c in enumerate(f.concurrency):
            print(f"{number(c):>12}{number(f.ttft.m_as('ms')[i]):>12}{number(f.tpot.m_as('ms')[i]):>12}"
                  f"{number(f.tokens_per_second_per_user.m_as('token/s')[i]):>19}"
                  f"{number(f.tokens_per_second_per_chip.m_as('token/s/chip')[i]):>19}")
        return 0
    s = serve(model, args.hardware, args.chips, concurrency=args.concurrency, batch=args.batch,
                      ttft_limit=args.ttft_limit, tpot_limit=args.tpot_limit, **options)
    if args.json:
        print(json.dumps(s.to_dict(), indent=2))
        return 0
    lay = s.layout
    print(f"{s.model} on {number(s.chips)} x {s.hardware}: tensor {lay['tensor']} x pipeline {lay['pipeline']}, "
          f"{number(lay['replicas'])} replica(s), weights {lay['precision']}, KV cache {lay['kv_precision']}")
    print(f"  {s.mode}: {number(s.concurrency)} sequences in flight (memory holds {number(s.max_concurrency)})")
    print(f"  time to first token      {number(s.ttft.m_as('ms'))} ms   (prefill limited by {s.limited_by['prefill']})")
    print(f"  time per output token    {number(s.tpot.m_as('ms'))} ms   (decode limited by {s.limited_by['decode']})")
    print(f"  output tokens/s          {number(s.tokens_per_second['total'].m_as('token/s'))} "
          f"({number(s.tokens_per_second['per_chip'].m_as('token/s/chip'))} per chip, "
          f"{number(s.tokens_per_second_per_user.m_as('token/s'))} per user)")
    print(f"  KV cache per token       {number(s.kv_cache_per_token.m_as('kB/token'))} kB")
    if s.usd_per_million_tokens is None:
        print(f"  $ per million tokens     unknown: {s.price_basis}")
    else:
        u = {k: v.m_as("USD/Mtoken") for k, v in s.usd_per_million_tokens.items()}
        print(f"  $ per million tokens     ${number(u['input'])} input, ${number(u['output'])} output, "
              f"${number(u['blended'])} blended 3:1")
        print(f"    price: {s.price_basis}")
    if s.energy_per_token is not None:
        e = {k: v.m_as("J/token") for k, v in s.energy_per_token.items()}
        print(f"  energy per token         {number(e['input'])} J input, {number(e['output'])} J output "
              f"(power at the chip's load, not its TDP)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
