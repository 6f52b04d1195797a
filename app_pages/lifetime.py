"""Lifetime page: at one quality and one inference demand, the model size cheapest over training and serving."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import calc
from app_pages import charts, session
from calc import data
from calc.architecture import published, shape_name
from calc.display import counted, escape, number, show, ticks
from calc.errors import did_you_mean, folded
from calc.lifetime import DEFAULT_LAW, compute_overhead, critical_fraction, curve, lifetime
from calc.reader import read_value
from calc.scaling import compute_optimal, laws
from calc.scaling import law_name as canonical_law
from calc.serve import footprint
from calc.serve.load import CHIP_BASIS, multiplied_note
from calc.service_life import LLAMA3, linear_rule, service_life
from calc.vocabulary import precision_name

st.title("Train smaller, serve longer")
st.caption("At one quality (a loss under a scaling law), the model whose training plus serving compute is least: "
           "6 N D to train, 2 N FLOP for each token served (Sardana et al. 2023). A smaller model needs more "
           "training tokens to reach the same loss, and costs less for every token it serves.")

PAGE = "lifetime"  # its fields in the URL as lifetime.params=..., as the Thresholds page keeps its own
FIELDS = {"quality": "lt_quality", "params": "lt_params", "tokens": "lt_tokens", "loss": "lt_loss",
          "inference_tokens": "lt_demand", "law": "lt_law", "training_price": "lt_train_price",
          "serving_price": "lt_serve_price",
          # the join: one model trained and served on one chip (calc.service_life)
          "model": "lt_model", "hardware": "lt_hw", "training_tokens": "lt_train_tokens",
          "tokens_per_day": "lt_per_day", "days": "lt_days", "tpot_limit": "lt_tpot", "precision": "lt_precision",
          "price": "lt_price"}
LABELS = {"params": "Parameters", "tokens": "Training tokens", "loss": "Target loss",
          "inference_tokens": "Tokens served over the model's life", "law": "Scaling law",
          "training_price": "Training price", "serving_price": "Serving price"}
LIFE_LABELS = {"training_tokens": "Training tokens of the model", "tokens_per_day": "Tokens served per day",
               "days": "Days of service", "tpot_limit": "Time per output token at most", "hardware": "Chip",
               "price": "Chip-hour price", "model": "Model", "chips": "Chip", "tensor": "Chip", "precision": "Weights served in"}
shapes = list(published())
chips = [n for n, h in data.hardware_table().items() if h.memory is not None and h.memory_bandwidth is not None]
MODES = {"run": "a training run (parameters and tokens)", "loss": "a loss"}
EXAMPLE = {"params": "13 Gparam", "tokens": "576 Gtoken"}  # Sardana et al.'s Fig. 1: a Chinchilla-optimal 13B model
AUTO = "default"  # calc.serve's default, as the Serving page's: the checkpoint's format where the chip has its peak
# (DeepSeek-R1's fp8 on an H200), else the chip's 16-bit one (calc.serve.load.default_precision), said in the answer
PRECISIONS = [AUTO, *footprint.WEIGHT_PRECISIONS]  # the served weights' formats, as the Serving page and serve --precision
CHOICES = {"law": list(laws()), "quality": list(MODES), "model": shapes, "hardware": chips, "precision": PRECISIONS}


def _label(name: str) -> str:
    return LABELS.get(name) or LIFE_LABELS.get(name) or {"quality": "Quality given by"}.get(name, name)


def _problem(name: str, message: str) -> str:
    """One field of the link that is not used, by its label and its URL name, as the other pages say it."""
    where = escape(f"{PAGE}.{name}", limit=60)  # a link's key is user text: shown inert, never as Markdown
    return f"**{escape(_label(name), limit=60)}** ({where}): {escape(message, limit=300)}"


def _choice(name: str, text: str) -> str:
    """A choice of a link as the command line reads it (a model or chip with case and spacing ignored, the quality by
    its label too); else a ValueError naming the nearest choices (calc's readers: "did you mean H100 SXM5?")."""
    if text in CHOICES[name]:
        return text
    if name == "quality":
        labels = {folded(v): k for k, v in MODES.items()} | {folded(k): k for k in MODES}
        if folded(text) in labels:
            return labels[folded(text)]
    elif name == "model":
        return shape_name(text)  # raises, with the names nearest
    elif name == "hardware":
        chip = data.hardware(text).name  # raises, with the names nearest
        if chip in chips:
            return chip
        raise ValueError(f"expected a chip with a memory size and bandwidth in data/hardware.csv; got {text[:60]!r}")
    elif name == "law":
        return canonical_law(text)  # "Hoffmann2022" read as its name; else raises, with the nearest
    elif name == "precision" and precision_name(text) in CHOICES[name]:  # "FP8", "nvfp4": the format's name
        return precision_name(text)
    raise ValueError(f"expected one of {', '.join(CHOICES[name])}; got {text[:60]!r}{did_you_mean(text, CHOICES[name], n=2)}")


saved, from_link, link_problems = session.view(PAGE), [], []
first = "lt_quality" not in st.session_state  # the page's first run in this session: its link is read once
for name, key in FIELDS.items():  # a link's (or the last visit's) value first; the defaults below fill the rest
    if key in st.session_state or name not in saved:
        continue
    if name in CHOICES:
        try:
            saved[name] = _choice(name, saved[name])
        except ValueError as exc:  # a widget cannot show it: the default, said so
            link_problems.append(_problem(name, getattr(exc, "message", str(exc))))
            continue
    st.session_state[key] = saved[name]
    from_link.append(name)
if first:
    link_problems += [_problem(k, "not a field of this page") for k in saved if k not in FIELDS]


def _mixture(own: dict) -> bool:
    """The scenario's run is a mixture of experts: active parameters given, and fewer than its parameters. The Model
    shape page gives a dense shape's active parameters too, equal to its parameters (Qwen2.5 3B was called a mixture
    of experts and its run not taken: fresh11)."""
    if not own.get("active_params"):
        return False
    try:
        total, active = read_value("params", own.get("params")), read_value("active_params", own["active_params"])
    except (calc.InputError, TypeError):  # a range, or no total: not a run this page takes as dense
        return own.get("active_params") != own.get("params")
    return bool(active.m_as("param") < total.m_as("param") * (1 - 1e-3))


def _one_value(own: dict) -> dict:
    """The scenario with its ranges of parameters and tokens at their medians, as Compare and Cost take them: this
    page reads one value, and the range's text in its fields was refused there (fresh22)."""
    one = dict(own)
    for name in ("params", "tokens"):
        if ".." in one.get(name, "") and (median := session.median(name)) is not None:
            one[name] = show(name, median)
    return one


def _defaults() -> None:
    """Fill every field the link (or the last visit) has not: the scenario's run, else Sardana's example."""
    own = _one_value(session.get())
    # a mixture of experts (active parameters given) is not a dense run: the laws do not give its quality, as
    # calc lifetime --model DeepSeek-V3 refuses; Sardana's example stands in and the page says so (_moe_note)
    run = own.get("params") if not _mixture(own) else None
    if "lt_params" not in st.session_state:  # the scenario's run when it has one, else Sardana's example
        st.session_state["lt_params"] = run or EXAMPLE["params"]
    if "lt_tokens" not in st.session_state:
        st.session_state["lt_tokens"] = own.get("tokens") if run and own.get("tokens") else EXAMPLE["tokens"]
    st.session_state.setdefault("lt_quality", "run")
    st.session_state.setdefault("lt_loss", "2.0")
    st.session_state.setdefault("lt_demand", "2T token")
    st.session_state.setdefault("lt_law", DEFAULT_LAW)  # calc.lifetime's, as calc lifetime --law: one default
    st.session_state.setdefault("lt_train_price", "")
    st.session_state.setdefault("lt_serve_price", "")
    if "lt_model" not in st.session_state:  # the scenario's published shape (or the nearest), else Llama 3 70B
        match = session.scenario_shape()
        st.session_state["lt_model"] = match[0] if match else "Llama 3 70B"
    # the scenario's chip when it can split a model over chips (TPU v2, TPU v3, MI250X: no chip-to-chip bandwidth in
    # data/hardware.csv, so the life section stopped on "no network bandwidth for TPU v2"), else H100 SXM5
    st.session_state.setdefault("lt_hw", own["hardware"] if own.get("hardware") in chips
                                and data.hardware(own["hardware"]).intra_node_bandwidth is not None else "H100 SXM5")
    st.session_state.setdefault("lt_train_tokens", own.get("tokens") or "15T token")  # Llama 3's 15T without a scenario
    st.session_state.setdefault("lt_per_day", "100B token/day")  # a popular model: serving overtakes training within its life
    st.session_state.setdefault("lt_days", "730 day")
    st.session_state.setdefault("lt_tpot", "")
    st.session_state.setdefault("lt_price", "")  # empty: the chip's public price (data/prices.csv), as --hardware alone
    # calc.serve's default, as the Serving page: the checkpoint's format where the chip has its peak, else the chip's
    # 16-bit one (bf16, fp16 on a V100); fp8 chosen serves 405B on 8 H100, not 16
    st.session_state.setdefault("lt_precision", AUTO)


_defaults()


def _quality() -> dict:
    return ({"params": st.session_state["lt_params"], "tokens": st.session_state["lt_tokens"]}
            if st.session_state["lt_quality"] == "run" else {"loss": st.session_state["lt_loss"]})


def _prices() -> dict:
    training = st.session_state["lt_train_price"].strip() or None
    if training is not None and _per_chip_hour(training):  # this field has no chip beside it: said in its own terms
        raise calc.InputError("training_price", f"expected USD per FLOP here, got a price per chip-hour "
                                                f"({training!r:.40}): that is price / (the chip's peak x its MFU), "
                                                "e.g. $2 per chip-hour on 989 TFLOP/s at 40% is 1.4e-18 USD/FLOP; or "
                                                "give the chip and its chip-hour price in the section below")
    return {"training_price": training, "serving_price": st.session_state["lt_serve_price"].strip() or None}


def _per_chip_hour(text: str) -> bool:
    """Whether ``text`` reads as a price per chip-hour ("$2/GPU/hour"), which calc.lifetime turns into USD per FLOP
    only with a chip and an MFU, fields this section does not have (its error named "hardware" and "utilization")."""
    from calc.units import parse_quantity

    try:
        parse_quantity(text, "training_price", "USD/chip/hour", bare_ok=False)
    except calc.InputError:
        return False
    return True


@st.cache_data(max_entries=32, show_spinner=False)
def _life(model, hw, tokens, per_day, days, tpot, precision, price=""):
    # a chip-hour price given prices the training run and the serving alike; empty: the chip's public price
    return service_life(model, hw, training_tokens=tokens, tokens_per_day=per_day, days=days, tpot_limit=tpot or None,
                        precision=None if precision == AUTO else precision, price=price or None,
                        serving_price=price or None)


LIFE_FIELDS = ("lt_model", "lt_hw", "lt_train_tokens", "lt_per_day", "lt_days", "lt_tpot", "lt_precision", "lt_price")


def _life_now():
    return _life(*(st.session_state[k] for k in LIFE_FIELDS[:5]), st.session_state["lt_tpot"].strip(),
                 st.session_state["lt_precision"], st.session_state["lt_price"].strip())


PRICE_PAIR = {"training_price": "serving_price", "serving_price": "training_price"}


def _drop_refused(from_link: list[str]) -> list[str]:
    """Every field of the link that calc refuses, each said by its label; the default stands in for it, so
    the page draws what the other fields allow (one check per field: calc's own, no second set of rules)."""
    problems = []
    for check in (lambda: lifetime(**_quality(), inference_tokens=st.session_state["lt_demand"],
                                   law=st.session_state["lt_law"], **_prices()), _life_now):
        for _ in range(len(from_link) + 1):
            try:
                check()
            except calc.InputError as exc:
                if exc.field not in from_link:  # not the link's: the page says it where it draws
                    break
                dropped = [(exc.field, exc.message)]
                partner = PRICE_PAIR.get(exc.field)  # the dollar version takes both prices or neither
                if partner in from_link:
                    dropped.append((partner, f"the dollar version needs both prices; the {_label(exc.field).lower()} "
                                             "is ignored"))
                for name, message in dropped:
                    from_link.remove(name)
                    problems.append(_problem(name, message))
                    del st.session_state[FIELDS[name]]
                _defaults()
                continue
            break
    return problems


if first:
    st.session_state["lt_link_problems"] = link_problems + _drop_refused(from_link)
for problem in st.session_state.get("lt_link_problems", []):
    st.warning(f"Ignored from the link: {problem}")
for key in FIELDS.values():  # a run stopped before the life section (a refused loss) draws none of its widgets, and
    st.session_state[key] = st.session_state[key]  # Streamlit drops an undrawn widget's value; set, it stays

c1, c2 = st.columns(2)
mode = c1.radio("Quality given by", list(MODES), format_func=MODES.get, key="lt_quality", horizontal=True)
law_name = c2.selectbox("Scaling law", list(laws()), key="lt_law",
                        help="hoffmann2022: Chinchilla's rounded constants; devries2023: its exponents refit to "
                             "Chinchilla's Table A3 (what Sardana et al.'s Fig. 1 uses); besiroglu2024: Epoch AI's "
                             "replication; kaplan2020.")
c1, c2, c3 = st.columns(3)
if mode == "run":
    if _mixture(session.get()):  # said, never a silent stand-in (see _defaults)
        st.caption(f"The scenario is a mixture of experts ({session.get()['params']} in all, "
                   f"{session.get()['active_params']} active): the dense scaling laws do not give its quality, so "
                   "its parameters are not taken here; Sardana et al.'s example stands in until you type a run.")
    c1.text_input("Parameters", key="lt_params", help="e.g. `13B`; the Estimate scenario's when it has one.")
    c2.text_input("Training tokens", key="lt_tokens", help="e.g. `576B`; its loss under the law is the target.")
else:
    c1.text_input("Target loss (nats per token)", key="lt_loss", help="above the law's irreducible loss, e.g. `2.0`")
c3.text_input("Tokens served over the model's life", key="lt_demand",
              help="input and output alike, e.g. `2T`; `0` gives the compute-optimal model")
with st.expander("Dollars: training and serving prices you give (or, below, modelled for a model on a chip)"):
    d1, d2 = st.columns(2)
    d1.text_input("Training price (USD per FLOP)", key="lt_train_price",
                  help="e.g. `1.4e-18 USD/FLOP`: $2 per chip-hour on 989 TFLOP/s at 40% utilization")
    d2.text_input("Serving price (USD per token)", key="lt_serve_price",
                  help="e.g. `0.6 USD/Mtoken`, for a model the size of the run given (else of the compute-optimal "
                       "one); serving cost scales with the model's size")
session.keep(PAGE, {name: str(st.session_state[key]) for name, key in FIELDS.items()})
if mode == "run" and st.session_state["lt_params"] == EXAMPLE["params"] and st.session_state["lt_tokens"] == EXAMPLE["tokens"]:
    # why not the scenario's run: a mixture of experts (said above) was told "gives no parameters and tokens"
    why = ("your Estimate scenario's mixture of experts is not taken, above" if _mixture(session.get())
           else "your Estimate scenario gives no parameters and tokens")
    st.caption(f"An example, not your run ({why}): Sardana et al.'s "
               "Fig. 1, a Chinchilla-optimal 13B model serving 2T tokens, where a 7B model trained longer saves 17% "
               f"under devries2023, the refit the figure uses: choose it to reproduce the figure (the page opens under "
               f"{DEFAULT_LAW}, as calc lifetime does).")
elif (mode == "run" and session.get().get("params") and not session.get().get("tokens")
      and st.session_state["lt_params"] == session.get()["params"] and st.session_state["lt_tokens"] == EXAMPLE["tokens"]):
    st.caption(f"Training tokens: your Estimate scenario gives its parameters ({escape(session.get()['params'], limit=60)}) "
               f"but no tokens; Sardana et al.'s {EXAMPLE['tokens']} stand in until you type its own.")
ranged = {n: session.get()[n] for n in ("params", "tokens") if ".." in session.get().get(n, "")
          and st.session_state["lt_" + n] == _one_value(session.get())[n]}
if mode == "run" and ranged:
    st.caption("Your Estimate scenario's " + " and ".join(f"{label.lower()} {escape(text, limit=60)}" for label, text in
               zip(("Parameters" if n == "params" else "Training tokens" for n in ranged), ranged.values()))
               + " at the median: this page reads one value (the Estimate page shows the spread).")

def _optimum():
    """The first section: the lifetime optimum at the quality and demand given, its tables and its curve; None (said
    under the fields) when calc refuses them, and the model's life below still draws: its fields are its own."""
    quality = _quality()
    try:
        prices = _prices()
        r = lifetime(**quality, inference_tokens=st.session_state["lt_demand"], law=law_name, **prices)
        # the curve reaches the run given, however far above the optimum (GPT-3's 175B: 12 times its compute-optimal size)
        c = curve(r.loss, r.inference_tokens, law_name, points=300, upto=None if r.given is None else r.given.params * 1.1)
    except calc.InputError as exc:  # named by its label, as the fields read
        words = LABELS.get(exc.field)
        st.error(f"**{words}**: {escape(exc.message, limit=600)}" if words else escape(exc, limit=600))
        return None

    if r.warning:  # a loss of 20 answered a 9.98k-parameter optimum, unsaid (the command line warns of it too)
        st.warning(escape(r.warning, limit=600))
    m = st.columns(4)
    m[0].metric("Lifetime optimum", show("params", r.params, True))
    m[1].metric("Its training tokens", show("tokens", r.tokens, True), help=f"{number(r.optimum.tokens_per_param)} per parameter")
    m[2].metric("Lifetime compute (FLOP)", number(r.lifetime_compute.m_as("FLOP")))  # the label names the unit: the value fits its box
    m[3].metric("Saved against compute-optimal", f"{r.saving_fraction:.1%}",
                help=f"{show('compute', r.saving, True)} less than the compute-optimal model of the same loss")

    rows = [("Lifetime optimum", r.optimum), ("Compute-optimal", r.compute_optimal)]
    if r.given is not None:
        rows.append(("The run given", r.given))
    # Two tables of four columns, not one of six: a phone's 390 px shows each whole
    st.table(pd.DataFrame([{"Model": name, "Parameters": show("params", p.params, True),
                            "Training tokens": show("tokens", p.tokens, True),
                            "Tokens per parameter": number(p.tokens_per_param)} for name, p in rows]), hide_index=True)
    if law_name == "hoffmann2022":  # fresh24: 78.6 tokens per parameter under it read as a slip beside ~20
        other = compute_optimal(r.compute_optimal.training_compute, "besiroglu2024")
        st.caption(f"The compute-optimal model under {law_name} trains on {number(r.compute_optimal.tokens_per_param)} "
                   f"tokens per parameter at this loss, not the ~20 Chinchilla is known for: the law's printed "
                   f"constants and the paper's own rule disagree (Besiroglu et al. 2024). Under besiroglu2024, their "
                   f"refit (the Model shape page's law), the same compute is spent at "
                   f"{number(other.tokens_per_param)} tokens per parameter.")
    st.table(pd.DataFrame([{"Model": name, "Training compute": show("compute", p.training_compute, True),
                            "Serving compute": show("compute", p.inference_compute, True),
                            "Lifetime compute": show("compute", p.lifetime_compute, True)} for name, p in rows]),
             hide_index=True)

    # the curve: lifetime and training compute against model size at this loss, as shares of the compute-optimal
    # model's lifetime compute (a log axis of FLOP would flatten a 17% dip into a hair)
    n = c["params"].m_as("param")
    base = float(r.compute_optimal.lifetime_compute.m_as("FLOP"))
    frame = pd.concat([pd.DataFrame({"params": n, "flop": c["lifetime_compute"].m_as("FLOP"), "what": "lifetime"}),
                       pd.DataFrame({"params": n, "flop": c["training_compute"].m_as("FLOP"), "what": "training"})])
    frame["compute"] = frame["flop"] / base
    frame["text"] = [f"{show('params', calc.Q_(a, 'param'), True)}: {show('compute', calc.Q_(b, 'FLOP'), True)} "
                     f"({x:.0%})" for a, b, x in zip(frame["params"], frame["flop"], frame["compute"])]
    given_share = 0.0 if r.given is None else float(r.given.lifetime_compute.m_as("FLOP") / base)
    ceiling = max(2.0, 1.15 * given_share)  # the run given on the chart, however far up
    frame = frame[frame["compute"] <= ceiling]  # the curve rises without bound towards the critical size
    far = ceiling > 2  # a run far above the optimum: a log axis keeps the dip near 100% readable beside it
    marks = [("Lifetime optimum", r.optimum), ("Compute-optimal", r.compute_optimal)]
    if r.given is not None:
        marks.append(("The run given", r.given))
    points = pd.DataFrame([{"params": p.params.m_as("param"), "compute": p.lifetime_compute.m_as("FLOP") / base,
                            "model": name,
                            "text": f"{name}: {show('params', p.params, True)}, {show('tokens', p.tokens, True)}, "
                                    f"lifetime {show('compute', p.lifetime_compute, True)}"} for name, p in marks])
    span = [float(frame["params"].min()), float(frame["params"].max())]
    # on a log axis Vega's own ticks may skip 100%, the reference every share is read against: it is always a tick
    share_ticks = sorted({1.0, *ticks(float(frame["compute"].min()), float(frame["compute"].max()))}) if far else alt.Undefined
    lines = alt.Chart(frame).mark_line().encode(
        x=alt.X("params:Q", scale=alt.Scale(type="log", domain=span, nice=False), axis=charts.count_axis("Parameters")),
        y=alt.Y("compute:Q", title="Share of compute-optimal", axis=alt.Axis(format="~%", values=share_ticks),
                scale=alt.Scale(type="log") if far else alt.Scale(zero=False)),
        color=alt.Color("what:N", title=None, scale=alt.Scale(domain=["lifetime", "training"], range=["#1f5fbf", "#9ec5fe"]),
                        legend=alt.Legend(orient="bottom", columns=2, labelExpr="datum.label == 'lifetime' ? "
                                          "'training + serving' : 'training only'")),
        tooltip=[alt.Tooltip("text:N", title="Model size: compute")])
    dots = alt.Chart(points).mark_point(size=140, filled=True).encode(
        x="params:Q", y="compute:Q",
        shape=alt.Shape("model:N", legend=None, scale=alt.Scale(domain=[m for m, _ in marks],
                                                                 range=["square", "circle", "triangle-up"][:len(marks)])),
        color=alt.value("#d9480f"), tooltip=[alt.Tooltip("text:N", title="Model")])
    st.markdown("**Compute over the model's life, at this loss**")
    st.altair_chart((lines + dots).properties(height=charts.HEIGHT), width="stretch")
    be = r.break_even.m_as("token")
    who = ("the run given" if r.given is not None and r.given.params < r.compute_optimal.params * (1 - 1e-6)
           else "the optimum")
    tie = ("" if not np.isfinite(be) else
           f" Break-even demand: {show('tokens', r.break_even)}; beyond it {who} costs less over its life than the "
           "compute-optimal model.")
    st.caption("■ the lifetime optimum, ● the compute-optimal model" + (", ▲ the run given" if r.given is not None else "")
               + f", against the compute-optimal model's lifetime compute ({show('compute', r.compute_optimal.lifetime_compute, True)}). "
               f"Every model on the curve reaches a loss of {r.loss:.4f} nats per token under {law_name}; smaller ones "
               f"need more training tokens, and none below {show('params', curve(r.loss, 0, law_name, 2)['params'][0] / 1.02, True)} "
               f"reaches it.{tie}"
               + (f" The run given needs {given_share:.0%} of the compute-optimal model's lifetime compute: the scale is "
                  "logarithmic so that it and the dip near 100% both show." if far else ""))

    if r.cost_optimum is not None:
        st.subheader("In dollars")
        rows = [("Cost optimum", r.cost_optimum), ("Compute-optimal", r.compute_optimal_cost)]
        if r.given_cost is not None:
            rows.append(("The run given", r.given_cost))
        st.table(pd.DataFrame([{"Model": name, "Parameters": show("params", p.params, True),
                                "Training": show("cost", p.training_cost), "Serving": show("cost", p.serving_cost),
                                "Lifetime": show("cost", p.lifetime_cost)} for name, p in rows]), hide_index=True)
        st.caption(f"Saved against the compute-optimal model: {show('cost', r.cost_saving)}. Serving is priced at the "
                   "given price per token for a model of the reference size, scaled by size (2 FLOP per parameter "
                   "per token).")
    elif any(prices.values()):
        st.caption("Give both prices for the dollar version.")
    return r


r = _optimum()


def _chip_changed() -> None:
    """A 16-bit served format follows the chip's own (bf16 on an H100, fp16 on a V100, which has no bf16 peak), as on
    the Serving page."""
    own = data.hardware(st.session_state["lt_hw"]).default_precision
    if st.session_state["lt_precision"] in ("bf16", "fp16") and own in ("bf16", "fp16"):
        st.session_state["lt_precision"] = own


st.subheader("One model's life: training, then serving")
st.caption("The training run priced as chip-hours x price (calc.estimate, as `estimate --model` prices it: the shape's "
           "FLOP per token at the utilization modelled for its fastest layout on this chip, and the chip's default "
           "price, or the chip-hour price given), and serving at the cost per token the serving model "
           "gives for this model on this chip (calc.serve: the chip group that serves cheapest, at its saturating batch or within the latency "
           "limit, 3 input tokens to 1 output).")
f1, f2, f3, f4 = st.columns(4)
f1.selectbox("Model", shapes, key="lt_model", help="a published shape; the Estimate scenario's when it has one")
f2.selectbox("Chip", chips, key="lt_hw", help="for training and for serving", on_change=_chip_changed)
f3.selectbox("Weights served in", PRECISIONS, key="lt_precision",
             help="the served weights' format, as on the Serving page ('default': the checkpoint's format where its "
                  "config.json's quantization_config states one and the chip has its peak, DeepSeek-R1's fp8 on an "
                  "H200, else the chip's 16-bit format; fp8: Llama 3.1 405B fits 8 H100; fp4 is NVFP4, 4.5 bits with "
                  "its scales; w8a16: 8-bit weights multiplied in 16 bits, on a chip with no fp8 peak); training stays "
                  "at the chip's 16-bit peak")
f4.text_input("Chip-hour price", key="lt_price", placeholder="empty: the chip's public price",
              help="USD per chip-hour for training and serving, e.g. `6 USD/chip/hour`; empty: the chip's public "
                   "price (data/prices.csv), as `calc lifetime --hardware` takes it. A chip with none asks for it here.")
f1, f2, f3, f4 = st.columns(4)
f1.text_input("Training tokens of the model", key="lt_train_tokens", help="e.g. `15T` (Llama 3)")
f2.text_input("Tokens served per day", key="lt_per_day", help="input and output, e.g. `10B token/day`")
f3.text_input("Days of service", key="lt_days", help="e.g. `730 day` or `2 year`")
f4.text_input("Time per output token at most", key="lt_tpot", placeholder="e.g. 50 ms; empty: none",
              help="optional, e.g. `50 ms` (20 tokens a second per user), a p99 as MLPerf judges it (the modelled mean times the median p99/mean of MLPerf Inference v4.x Server runs); empty: the saturating batch")


@st.cache_data(max_entries=32, show_spinner=False)
def _sizes(_life, law, fields):  # the life is not hashed: its fields are the key
    return _life.size_curve(law, points=40)


@st.cache_data(max_entries=8, show_spinner=False)
def _rule(hw):
    try:
        return linear_rule(hw)
    except calc.InputError:
        return None


try:
    life = _life_now()
except calc.InputError as exc:
    words = LIFE_LABELS.get(exc.field)
    message = exc.message
    asked = "no public price" in message and not st.session_state["lt_price"].strip()
    if asked:  # training's or serving's: the field that gives it, as calc lifetime --hardware asks for the price it lacks
        words = LIFE_LABELS["price"]
        message = (f"{st.session_state['lt_hw']} has no public price (no cloud in data/prices.csv lists it): give its "
                   "price per chip-hour in the field above, e.g. 6 USD/chip/hour, for training and serving")
    # a value not typed yet is asked for, as the Serving page asks for its price: not a red error before the user could
    # type it (a chip chosen from the page's own list, GB300 or L4, opened in red)
    (st.info if asked else st.error)(f"**{words}**: {escape(message, limit=600)}" if words else escape(exc, limit=600))
    life = None
if life is not None:
    if life.warning:  # a life beyond any chip's ('lifetime.days=1e9': 2.7 million years) said, the costs kept as given
        st.warning(f"**{LIFE_LABELS['days']}**: {escape(life.warning.removeprefix('days: '), limit=600)}")
    s = life.serving
    be = life.break_even.m_as("day")
    m = st.columns(4)
    m[0].metric("Training", show("cost", life.training_cost),
                help=f"{number(life.training_chip_hours.m_as('chip*hour'))} chip-hours; {life.training_basis}")
    m[1].metric("Serving over the life", show("cost", life.serving_cost),
                help=f"{show('tokens', life.served_tokens)} at ${number(life.serving_price.m_as('USD/Mtoken'))} per "
                     "million tokens")
    m[2].metric("Training + serving", show("cost", life.lifetime_cost))
    m[3].metric("Serving overtakes training", f"day {number(be)}" if be < 1e7 else "never",
                help="the day on which serving has cost as much as the training run")
    # fresh24: the section above answers at its own demand (2T by default), this one at tokens a day x days (73T):
    # two optima side by side, unexplained
    try:
        asked = read_value("tokens", st.session_state["lt_demand"])
    except calc.InputError:
        asked = None
    if asked is None or show("tokens", asked) != show("tokens", life.served_tokens):
        st.caption(f"This section serves {show('tokens', life.served_tokens)} over the life (tokens per day x days); "
                   f"the lifetime optimum above is asked at its own \"Tokens served over the model's life\", "
                   f"{escape(st.session_state['lt_demand'], limit=40)}: set it to {show('tokens', life.served_tokens)} "
                   "for the two to answer the same life.")
    c = life.cumulative(120)
    days = c["day"].m_as("day")
    # each line starts at $0 on day 0 and steps up by the training cost there (the order keeps the step vertical)
    frame = pd.concat([pd.DataFrame({"day": np.r_[0.0, days], "usd": np.r_[0.0, c[what].m_as("USD")], "what": name,
                                     "order": np.arange(len(days) + 1)})
                       for what, name in (("total", "training + serving"), ("training", "training"))])
    frame["text"] = [f"day {number(d)}: {show('cost', calc.Q_(u, 'USD'))}" for d, u in zip(frame["day"], frame["usd"])]
    top = float(frame["usd"].max())
    cum = alt.Chart(frame).mark_line().encode(
        x=alt.X("day:Q", axis=charts.plain_axis("Days in service"),
                scale=alt.Scale(domain=[0, float(days[-1])], nice=False)),
        y=alt.Y("usd:Q", axis=charts.money_axis("Cost to date"), scale=alt.Scale(domain=[0, top])),
        order="order:Q",
        color=alt.Color("what:N", title=None, scale=alt.Scale(domain=["training + serving", "training"],
                                                              range=["#1f5fbf", "#9ec5fe"]),
                        legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=[alt.Tooltip("text:N", title="Cost to date")])
    layers = [cum]
    if be <= days[-1]:
        layers.append(alt.Chart(pd.DataFrame([{"day": be, "text": f"day {number(be)}: serving has cost as much as "
                                                                  "training"}])).mark_rule(
            color="#d9480f", strokeDash=[4, 3]).encode(x="day:Q", tooltip=[alt.Tooltip("text:N", title="Break-even")]))
    st.markdown("**Cost to date over the model's life**")
    st.altair_chart(alt.layer(*layers).properties(height=charts.HEIGHT), width="stretch")
    lay = s.layout
    stages = f" x pipeline {lay['pipeline']}" if lay["pipeline"] > 1 else ""
    # a mixture of experts' groups and attention, as the Serving page says them: DeepSeek-R1 on 32 H200 read "tensor 32"
    stages += (f" (expert {lay['expert']})" if lay.get("expert", 1) > 1 else "") + (
        ", attention data parallel" if lay.get("attention_data_parallel") else "")
    st.caption(f"Training is the step at day 0 ({show('cost', life.training_cost)}); serving adds "
               f"{show('cost', (life.tokens_per_day * life.serving_price * calc.Q_(1, 'day')).to('USD'))} a day "
               f"({show('tokens', life.tokens_per_day * calc.Q_(1, 'day'))} at ${number(life.serving_price.m_as('USD/Mtoken'))}"
               f" per million tokens: {escape(s.model)} on {s.chips} x {escape(s.hardware)}, tensor {lay['tensor']}{stages}, "
               f"weights in {lay['precision']}"
               f"{'' if s.precision_basis in ('given', CHIP_BASIS) else ' (' + escape(s.precision_basis, limit=200) + ')'}"
               f"{' (' + multiplied_note(lay['precision'], s.hardware) + ')' if multiplied_note(lay['precision'], s.hardware) else ''}"
               f", {counted(s.concurrency, 'sequence')} in flight, "
               f"{number(s.tokens_per_second_per_user.m_as('token/s'))} tokens a second per user). "
               + (f"The dashed line: day {number(be)}, when serving has cost as much as training." if be <= days[-1]
                  else f"Serving catches up with training on day {number(be)}, after this life."))
    shape = published()[st.session_state["lt_model"]][0]
    if shape.experts > 1:
        st.caption("A mixture of experts: the dense scaling laws do not give its quality, so no cheaper size is shown.")
    else:
        try:
            opt = life.lifetime(law_name)
            # every size on the curve served within the same limits: a size that cannot be is said, not raised
            sizes = _sizes(life, law_name, tuple(str(st.session_state[k]) for k in LIFE_FIELDS))
        except calc.InputError as exc:
            opt = None
            st.caption(f"No dollar optimum at this model's quality: {escape(exc.message, limit=600)}")
        if opt is not None:
            st.markdown("**The size cheapest over this life, at this model's quality**")
            k = sizes["best_scaled"]
            rows = [{"Model": name, "Parameters": show("params", p.params, True),
                     "Training": show("cost", p.training_cost), "Serving": show("cost", p.serving_cost),
                     "Lifetime": show("cost", p.lifetime_cost)}
                    for name, p in (("This model", opt.given_cost), ("Cost optimum", opt.cost_optimum),
                                    ("Compute-optimal", opt.compute_optimal_cost))]
            rows.insert(2, {"Model": "Optimum, shapes served", "Parameters": show("params", sizes["params"][k], True),
                            "Training": show("cost", sizes["training_cost"][k]),
                            "Serving": show("cost", sizes["scaled"][k] - sizes["training_cost"][k]),
                            "Lifetime": show("cost", sizes["scaled"][k])})
            st.table(pd.DataFrame(rows), hide_index=True)
            n = sizes["params"].m_as("param")
            both = pd.concat([pd.DataFrame({"params": n, "usd": sizes[key].m_as("USD"), "rule": label})
                              for key, label in (("scaled", "each size's shape served"),
                                                 ("proportional", "serving proportional to size"))])
            both["text"] = [f"{show('params', calc.Q_(a, 'param'), True)}: {show('cost', calc.Q_(b, 'USD'))}"
                            for a, b in zip(both["params"], both["usd"])]
            low, mine = float(both["usd"].min()), opt.given_cost.lifetime_cost.m_as("USD")
            both = both[both["usd"] <= max(3 * low, 1.2 * mine)]  # near the critical size training runs away
            spread = mine > 5 * low  # this model far above the cheapest size (GPT-3: $3.6B against $32M): a log axis
            here = pd.DataFrame([{"params": life.params.m_as("param"), "usd": opt.given_cost.lifetime_cost.m_as("USD"),
                                  "text": f"{st.session_state['lt_model']}: {show('cost', opt.given_cost.lifetime_cost)}"}])
            size_lines = alt.Chart(both).mark_line(point=alt.OverlayMarkDef(size=18)).encode(  # each size served: a point
                # padded: the dot of this model at the domain's edge was cut in half by the plot's border (pages24)
                x=alt.X("params:Q", scale=alt.Scale(type="log", nice=False, padding=12),
                        axis=charts.count_axis("Parameters")),
                y=alt.Y("usd:Q", axis=charts.money_axis("Training + serving", log=spread),
                        scale=alt.Scale(type="log") if spread else alt.Scale(zero=False)),
                color=alt.Color("rule:N", title=None, legend=alt.Legend(orient="bottom", columns=1),
                                scale=alt.Scale(domain=["each size's shape served", "serving proportional to size"],
                                                range=["#1f5fbf", "#9ec5fe"])),
                tooltip=[alt.Tooltip("text:N", title="Lifetime cost")])
            # the cheapest size of each line marked as the compute curve marks its optimum: a square
            cheapest = pd.DataFrame([{"params": p.m_as("param"), "usd": c.m_as("USD"),
                                      "text": f"{what}: {show('params', p, True)}, {show('cost', c)}"}
                                     for what, p, c in (("Cost optimum, shapes served", sizes["params"][k],
                                                         sizes["scaled"][k]),
                                                        ("Cost optimum, serving proportional to size",
                                                         opt.cost_optimum.params, opt.cost_optimum.lifetime_cost))])
            size_dot = alt.Chart(here).mark_point(size=140, filled=True, color="#d9480f").encode(
                x="params:Q", y="usd:Q", tooltip=[alt.Tooltip("text:N", title="This model")])
            best_dot = alt.Chart(cheapest).mark_square(size=140, color="#d9480f").encode(
                x="params:Q", y="usd:Q", tooltip=[alt.Tooltip("text:N", title="Cheapest size")])
            st.altair_chart((size_lines + size_dot + best_dot).properties(height=charts.HEIGHT), width="stretch")
            rule = _rule(st.session_state["lt_hw"])
            off = ("" if rule is None else " On this chip the proportional rule is off by " + ", ".join(
                f"{r['error']:+.0%} at {r['model'].removeprefix('Llama 3.1 ').removeprefix('Llama 3 ')}"
                for r in rule if r["model"] != LLAMA3[1]) + " (Llama 3, anchored on 70B; calc.serve on each).")
            gone = sizes["unserved"].m_as("param")
            unserved = (f" {len(gone)} of the {len(n)} sizes, from {show('params', calc.Q_(gone.min(), 'param'), True)} "
                        f"to {show('params', calc.Q_(gone.max(), 'param'), True)}, are left off the dark line: no group "
                        "of up to 64 chips serves their scaled shape within the limit." if len(gone) else "")
            st.caption(f"At the loss {escape(st.session_state['lt_model'])} reaches on its training tokens under "
                       f"{law_name}, serving {show('tokens', life.served_tokens)}; ● this model, ■ the cheapest size on "
                       f"each line.{unserved} Sizes with no "
                       "architecture are served two ways: this model's shape scaled in width and depth to each size "
                       "and served by calc.serve on the same chip (the dark line, the row 'Optimum, shapes served'), and this "
                       "model's cost per token scaled in proportion to the parameters (the pale line, the cost "
                       "optimum of calc.lifetime). Decoding reads the weights once per step for the whole batch, so "
                       f"cost per token follows weight bytes over the batch the memory allows. Each dot of the dark "
                       "line is one size served on its cheapest chip group, split the cheapest way per token into tensor and "
                       "pipeline ranks; the line steps where the scaled shape "
                       "gains 8 attention heads (wider and shallower: less KV cache per token, a larger batch) or "
                       "moves to a larger chip group. Head counts are whole multiples of 8 or of the key-value "
                       f"groups, so that a node's tensor group splits no head.{off}")

st.subheader("How much extra training a smaller model costs")
floor = critical_fraction(law_name)
k = np.geomspace(floor * 1.15, 1.0, 120)
over = pd.DataFrame({"size": k, "overhead": compute_overhead(k, law_name).m_as("")})
share = alt.Axis(format="~%")
curve_chart = alt.Chart(over.assign(text=[f"{a:.0%} of the size: {b:.1%} more training compute"
                                          for a, b in zip(over["size"], over["overhead"])])).mark_line().encode(
    x=alt.X("size:Q", title="Model size, share of the compute-optimal", axis=share),
    y=alt.Y("overhead:Q", title="Extra training compute", axis=share, scale=alt.Scale(domain=[0, 2])),
    tooltip=[alt.Tooltip("text:N", title="At")]).transform_filter("datum.overhead <= 2")
if r is not None:  # the lifetime optimum above marked on the curve
    here = r.params.m_as("param") / r.compute_optimal.params.m_as("param")
    mark = pd.DataFrame([{"size": here, "overhead": float(compute_overhead(here, law_name).m_as("")),
                          "text": f"the lifetime optimum: {here:.0%} of the size, "
                                  f"{compute_overhead(here, law_name).m_as(''):.1%} more training compute"}])
    curve_chart += alt.Chart(mark).mark_point(size=140, filled=True, color="#d9480f").encode(
        x="size:Q", y="overhead:Q", tooltip=[alt.Tooltip("text:N", title="Marked")])
st.altair_chart(curve_chart.properties(height=charts.HEIGHT), width="stretch")
marked = "" if r is None else (f" ● the lifetime optimum above: {here:.0%} of the compute-optimal size, "
                                f"{compute_overhead(here, law_name).m_as(''):.1%} more training compute.")
st.caption(f"de Vries 2023, 'Go smol or go home': the same at every budget. Under {law_name} no model below "
           f"{floor:.0%} of the compute-optimal size reaches its loss; de Vries puts the practical limit near 30% "
           f"(100% more compute).{marked}")  # the dot was said in its tip alone
