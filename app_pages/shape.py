"""Model-shape page: from a transformer's shape (a published one or an uploaded config.json) to
parameters, FLOP per token, memory per chip and the scaling laws' loss."""

import dataclasses
import json

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import calc
from app_pages import session
from calc import data
from calc.architecture import Transformer, published
from calc.architecture.config import unique_keys
from calc.architecture.transformer import LONGEST_SEQUENCE
from calc.display import as_text, escape, number, show
from calc.memory import DEFAULTS, RECOMPUTE, STATES, min_chips, per_chip
from calc.scaling import compute_optimal, laws
from calc.scenario import has_range, read_scenario
from calc.scenario import inputs as scenario_inputs

shapes = published()
KEPT, DRAWN = "shape_kept", "shape_drawn"  # the shape's fields' values by widget key; the keys the last run drew
JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "true or false", type(None): "null"}


def _keep(key: str) -> None:
    """Keep the value just typed in field ``key`` (a callback: it runs before the page does)."""
    st.session_state.setdefault(KEPT, {})[key] = st.session_state[key]


def _number(col, label: str, key: str, default: int, drawn_before: set[str], **kw) -> int:
    """A number field (at least 1) whose value is kept in session state under KEPT, a key no widget owns, and
    set again from it whenever the field is drawn after a run that did not draw it.

    Streamlit forgets a widget that a run does not draw, and the browser mounts it again at its element default:
    persist_state kept the value on the server, but about 1 run in 6 on 2 cores the box showed the default
    (the config's 131,072 vocabulary after the browser's run without a file, where 65,536 was typed) while the
    counts used the kept value. A value set in session state before the widget is drawn is sent with it, so the
    box shows it whatever the browser held (Streamlit's pattern for fields kept while not drawn: "Working with
    widgets in multipage apps", option 3). A value typed is kept before the run (_keep), so that setting a field
    never undoes typing, even in a run after one stopped before it drew the field; a field drawn in the run before
    is left alone."""
    kept = st.session_state.setdefault(KEPT, {})
    if key not in drawn_before or key not in st.session_state:
        st.session_state[key] = kept.get(key, default)
    value = col.number_input(label, min_value=1, step=1, key=key, on_change=_keep, args=(key,), **kw)
    kept[key] = value
    st.session_state[DRAWN].add(key)
    return value


def _with_shape(scenario: dict[str, str], given: dict[str, str]) -> dict[str, str]:
    """The session's scenario with the shape's fields (``given``: params, active params, FLOP per
    parameter-token); a compute or duration of the scenario that the new count contradicts is dropped."""
    out = {k: v for k, v in scenario.items() if k != "active_params"} | given
    for drop in ("compute", "duration", "cost"):
        try:
            known = scenario_inputs(out)
            if not has_range(known):
                calc.estimate(**known)
            return out
        except calc.InputError:
            out.pop(drop, None)
    return out


def _read_config(upload) -> tuple[Transformer | None, str]:
    """The uploaded config.json's shape, or None and why not, in one sentence (user text escaped)."""
    again = "Upload the config.json of a Hugging Face model."
    try:
        raw = json.loads(upload.getvalue().decode("utf-8"), object_pairs_hook=unique_keys)
    except calc.InputError as exc:  # a key written twice with two values, as --config refuses it
        return None, escape(exc, limit=600)
    except UnicodeDecodeError as exc:
        return None, (f"expected JSON text (UTF-8), but byte {exc.start + 1:,} is 0x{upload.getvalue()[exc.start]:02x}, "
                      f"which is not text. {again}")
    except json.JSONDecodeError as exc:
        return None, (f"expected JSON, but line {exc.lineno:,}, column {exc.colno:,} does not read as JSON "
                      f"({exc.msg}). {again}")
    if not isinstance(raw, dict):  # a JSON string would be read as a path on this machine
        return None, (f"expected a JSON object ({{\"model_type\": ...}}), but it holds a JSON "
                      f"{JSON_KINDS.get(type(raw), 'value')}. {again}")
    try:
        return Transformer.from_config(raw), ""
    except calc.InputError as exc:
        hint = ""
        if "model_type" not in raw and _is_scenario(upload.getvalue()):  # the Estimate page says the converse
            hint = (". This looks like a scenario saved by the Estimate page's \"Download the scenario\": its \"Load "
                    "a scenario (JSON)\" field loads it; this field reads a model's config.json")
        return None, escape(exc, limit=600) + hint  # echoes the file's text: escaped, never Markdown


def _is_scenario(raw: bytes) -> bool:
    """Whether an uploaded file is a scenario the Estimate page loads (name: "value unit" pairs), not a config.json."""
    try:
        read_scenario(raw)
    except calc.InputError:
        return False
    return True


_PATTERN_FIXED = ("A hybrid model's layer count is set by its config's layer pattern (one letter per layer: Mamba-2, "
                  "attention, feed-forward or experts); edit the pattern in the config.json to change it.")


def _pattern_words(shape: Transformer) -> str:
    """A hybrid stack's layers in words: "24 Mamba-2, 4 attention and 24 feed-forward layers"."""
    kinds = [(shape.mamba_layers, "Mamba-2"), (shape.attention_layers, "attention"),
             (shape.dense_ffn_layers, "feed-forward"), (shape.moe_layers, "mixture-of-experts")]
    words = [f"{n:,} {kind}" for n, kind in kinds if n]
    return (", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)) + " layers"


st.title("From a model's shape to its compute and memory")
if "shape_preset" not in st.session_state:  # each visit: the scenario's model when it has one, else Llama 2 70B
    match = session.scenario_shape()
    st.session_state["shape_preset"] = match[0] if match else "Llama 2 70B"
    st.session_state["shape_why"] = match
    st.session_state[KEPT], st.session_state[DRAWN] = {}, set()  # a field typed on an earlier visit starts again
# the keys of the fields the last run drew (a run stopped for a rerun counts what it drew)
drawn_before, st.session_state[DRAWN] = st.session_state.get(DRAWN, set()), set()
c1, c2 = st.columns([1, 1])
name = c1.selectbox("Start from", list(shapes), key="shape_preset")
upload = c2.file_uploader("or a Hugging Face config.json", type=["json"], key="shape_config")
# A refused upload changes nothing: the page keeps the last config read (else the preset) and draws every field,
# so none loses its value, with one error. The browser replaces a file in two runs, the first with no file at all:
# so the last config read is kept through runs without a file, and the fields keyed by it are kept while not drawn
# and set again when drawn (_number).
base, source = shapes[name][0], name
if upload is not None:
    read, why_not = _read_config(upload)
    if read is not None:
        base, source = read, upload.name
        st.session_state["shape_read"] = (name, read, upload.name)
    else:
        last = st.session_state.get("shape_read")
        if last and last[0] == name:
            base, source = last[1], last[2]
        st.error(f"The uploaded file {escape(upload.name)} cannot be read as a config.json: {why_not.rstrip('.')}. "
                 f"The page keeps {escape(source)} and every field as it was.")
uploaded = source != name
if uploaded:  # "Start from" still read the preset (Llama 2 70B) above fields that held the file's shape, unsaid
    st.caption(f"Shape: the uploaded {escape(source, limit=80)}, not {escape(name)} (Start from), which comes back "
               "when the file is removed.")

why = st.session_state.get("shape_why")
if not uploaded and why and why[0] == name:
    st.caption(f"Started from your scenario's model (Estimate page): {name}, {why[1]}.")
st.caption("Every field of the shape is kept (latent attention, shared experts, head width, biases, norms...); "
           "the fields below override it.")
cols = st.columns(6) + st.columns(6)[:3]  # two rows, so that a phone stacks them in reading order
fields = {}
for col, (field, label) in zip(cols, [("layers", "Layers"), ("d_model", "Width (d_model)"), ("heads", "Attention heads"),
                                      ("kv_heads", "Key/value heads"), ("d_ff", "Feed-forward width"),
                                      ("vocab", "Vocabulary (tokens)"), ("context", "Context (tokens)"),
                                      ("experts", "Experts"), ("experts_per_token", "Experts per token")]):
    default = {"kv_heads": base.kv, "d_ff": base.ff}.get(field, getattr(base, field))
    fixed = field == "layers" and base.layer_pattern is not None  # a hybrid's layers are its pattern's letters
    value = _number(col, label, f"shape_{field}_{source}", int(default), drawn_before, disabled=fixed,
                    help=_PATTERN_FIXED if fixed else None)
    fields[field] = (default, default if fixed else value)  # fixed: a value kept from an earlier file of its name too
if base.layer_pattern is not None:
    st.caption(f"Layers: fixed at {base.layers:,} by the config's layer pattern ({_pattern_words(base)}), so the field "
               "cannot be edited here; to count another depth, edit the pattern (hybrid_override_pattern or "
               "layers_block_type) in the config.json and upload it again.")
changed = {k: int(v) for k, (d, v) in fields.items() if int(v) != int(d)}
try:
    model = dataclasses.replace(base, **changed)
except calc.InputError as exc:
    st.error(str(exc))
    st.stop()
sequence = _number(st, "Sequence length (tokens)", f"shape_sequence_{source}", model.training_sequence, drawn_before,
                   help="Tokens per training sequence: the attention FLOP per token grow with it (default: the "
                   f"training sequence, the context at most {LONGEST_SEQUENCE:,}, as the Estimate page and the "
                   "command line count it)")
try:  # past learned positions, refused; past a rotary shape's context, said (calc.architecture)
    model.check_sequence(int(sequence))
except calc.InputError as exc:
    st.error(escape(exc))
    st.stop()
if model.sequence_note(int(sequence)):
    st.warning(escape(model.sequence_note(int(sequence)), limit=400))
# the sequence said: the training sequence (the context at most 8,192: Mistral NeMo's 131,072 counted at 8,192, as
# `python -m calc estimate --config` counts it, doors12), or the one typed, which the Estimate page is handed
if int(sequence) == model.training_sequence:
    where = f", from {escape(model.context_source)}" if model.context_source else ""
    basis = (f"the context ({int(model.context):,}{where}) at most {LONGEST_SEQUENCE:,}, as runs pre-train short and "
             "reach the context at the end (Llama 3.1: 8K, then 128K)" if model.training_sequence < int(model.context)
             else f"the shape's context{where}")
    st.caption(f"Sequence: the training sequence, {model.training_sequence:,} tokens, {basis}; the Estimate page and "
               "`python -m calc estimate` count the FLOP at it.")
else:
    st.caption(f"Sequence: {int(sequence):,} tokens, as typed; the Estimate page is handed the FLOP per "
               f"parameter-token at it, where `python -m calc estimate` counts at the training sequence "
               f"({model.training_sequence:,}).")

m1, m2, m3, m4 = st.columns(4)
m1.metric("Parameters", show("params", model.params()))
m2.metric("Active per token", show("params", model.active_params()))
m3.metric("FLOP per token (exact)", number(model.flop_per_token("exact", sequence=sequence).m_as("FLOP/token")))
m4.metric("PaLM count above 6N", f"{model.six_nd_gap(sequence):.1%}",
          help=f"How far PaLM's count (6N plus the attention at {int(sequence):,} tokens a sequence) is above 6N")
rows = []
for c in ("kaplan2020", "palm2022", "megatron2021", "megatron2021-recompute"):
    ok = model.is_megatron_shape or not c.startswith("megatron")
    rows.append({"Counting rule": c, "FLOP per token": number(model.flop_per_token(c, sequence=sequence).m_as("FLOP/token"))
                 if ok else "n/a: eq. 3 assumes a dense 4h transformer"})
for r in RECOMPUTE:
    rows.append({"Counting rule": f"exact, recomputation {r}",
                 "FLOP per token": number(model.flop_per_token("exact", sequence=sequence, recompute=r).m_as("FLOP/token"))})
rows += [{"Counting rule": f"component: {k}", "FLOP per token": number(v.m_as("FLOP/token"))}
         for k, v in model.flop_breakdown(sequence=sequence).items()]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
with st.expander("Parameters by component"):
    st.dataframe(pd.DataFrame([{"Component": k, "Parameters": f"{v.m_as('param'):,.0f}"}
                               for k, v in model.breakdown().items()]), hide_index=True, width="stretch")
inputs = model.as_inputs(context=int(sequence))
# 6 figures: readable in the URL (405.853 Gparam), and the Estimate page's numbers those of `calc estimate --model`
# (at 4, 405.9 Gparam made Llama 3.1 405B's run on 16,384 H100 64.7 days against the command line's 64.6)
given = {k: as_text(k, calc.Q_(float(f"{v.magnitude:.6g}"), v.units)) for k, v in inputs.items()}
if st.button("Estimate a run of this shape", key="shape_to_estimate", icon=":material/calculate:"):
    session.load(_with_shape(session.get(), given))
    session.send_shape(model if uploaded or changed else None, source)  # no published name stands for it
    st.switch_page("app_pages/estimate.py")
st.caption(f"Opens the Estimate page with this shape's parameters, active parameters and FLOP per "
           f"parameter-token ({inputs['flop_per_param_token'].m_as('FLOP/param/token'):.3f}, the PaLM count at "
           f"{int(sequence):,} tokens a sequence), keeping your scenario's other fields (tokens, accelerator, chips...).")
st.caption("kaplan2020: 6N; palm2022: model FLOP, 6N + 12·L·H·Q·T (what MFU divides); megatron2021: Narayanan et al. "
           "eq. 3, hardware FLOP; exact: every matrix multiply of forward and backward, as torch's FLOP counter "
           "measures, with the recomputed forward added.")

st.subheader("Memory per chip")
c1, c2, c3, c4, c5 = st.columns(5)
chip_names = list(data.hardware_table())  # the scenario's chip first, as every page starts from it
hardware = c1.selectbox("Accelerator", chip_names, index=chip_names.index(session.scenario_hardware(chip_names)),
                        key="shape_hw", help="Your Estimate scenario's accelerator when it names one, else the H100 SXM5")
recompute = c2.selectbox("Recomputation", RECOMPUTE, index=RECOMPUTE.index("full"), key="shape_recompute")
zero = c3.selectbox("ZeRO stage", [0, 1, 2, 3], index=3, key="shape_zero")
states = c4.selectbox("Model states as", STATES, index=0, key="shape_states",
                      help="Bytes per parameter of weights, gradients and optimizer state, by each source's recipe")
micro = c5.number_input("Micro-batch (sequences)", min_value=1, value=DEFAULTS["micro_batch"], key="shape_micro")
c1, c2, c3, c4, c5 = st.columns(5)
dp = c1.number_input("Data-parallel copies", min_value=1, value=64, key="shape_dp")
fit = next(t for t in (8, 4, 2, 1) if model.heads % t == 0 and (model.kv % t == 0 or t % model.kv == 0))
tp = _number(c2, "Tensor parallel", f"shape_tp_{source}", fit, drawn_before)
pp = c3.number_input("Pipeline stages", min_value=1, value=1, key="shape_pp")
flash = c4.checkbox("Flash attention", value=DEFAULTS["flash_attention"], key="shape_flash")
sp = c5.checkbox("Sequence parallelism", value=True, key="shape_sp")
layout = dict(recompute=recompute, zero=zero, states=states, micro_batch=int(micro), tensor=int(tp),
              pipeline=int(pp), flash_attention=flash, sequence_parallel=sp, sequence=int(sequence))
try:
    mem = per_chip(model, data_parallel=int(dp), **layout)
except calc.InputError as exc:
    st.error(str(exc))
else:
    cap = data.hardware(hardware).capacity
    st.dataframe(pd.DataFrame([{"Part": k.replace("_", " ").capitalize(), "Memory per chip (GB)": number(v.m_as("GB/chip"))}
                               for k, v in {**mem.parts, "total": mem.total}.items()]), hide_index=True, width="stretch")
    verdict = "Fits" if cap is not None and mem.total <= cap else "Does not fit"
    try:
        n, d = min_chips(model, hardware, **layout)
        fewest = (f"The fewest {hardware} that hold it in this layout: {n.m_as('chip'):,.0f} "
                  f"(data parallel {d} x tensor {int(tp)} x pipeline {int(pp)}).")
    except calc.InputError as exc:
        fewest = f"No number of {hardware} holds it in this layout: {exc.message}"
    st.caption(f"{verdict} in {hardware}'s {cap.m_as('GB/chip'):,.1f} GB. {fewest}" if cap is not None else fewest)

st.subheader("Loss against parameters and tokens")
law_name = st.selectbox("Scaling law", list(laws()), index=1, key="shape_law")
lw = laws()[law_name]
# cells with explicit edges on log axes (a rect without them is drawn as one block)
n_edges, d_edges = np.geomspace(1e8, 1e13, 41), np.geomspace(1e9, 1e14, 41)
N, D = np.meshgrid(np.sqrt(n_edges[:-1] * n_edges[1:]), np.sqrt(d_edges[:-1] * d_edges[1:]))
N0, D0 = np.meshgrid(n_edges[:-1], d_edges[:-1])
N1, D1 = np.meshgrid(n_edges[1:], d_edges[1:])
grid = pd.DataFrame({"params": N0.ravel(), "params_end": N1.ravel(), "tokens": D0.ravel(), "tokens_end": D1.ravel(),
                     "loss": lw.loss(N.ravel(), D.ravel())})
frontier = pd.DataFrame([{"params": o.params.m_as("param"), "tokens": o.tokens.m_as("token")}
                         for o in (compute_optimal(f"{c} FLOP", law_name) for c in np.geomspace(1e19, 1e27, 17))])
active = model.active_params().m_as("param")
# the scenario's tokens where the page started from its model: GPT-3's red dot sat at 3.5T tokens (20 per parameter),
# under a caption that said the page started from "its 175B params and 300B tokens"
given = session.tokens() if not uploaded and why and why[0] == name else None
trained = given or 20 * active
here = pd.DataFrame([{"params": active, "tokens": trained}])
log = alt.Scale(type="log")
lo, hi = np.percentile(grid["loss"], [1, 99])
decade = "abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6"  # label 10^n only
count = alt.Axis(labelExpr=f"{decade} ? replace(format(datum.value, '~s'), 'G', 'B') : ''")  # 100B parameters, not 100G
heat = alt.Chart(grid.assign(text=[f"{show('params', calc.Q_(n, 'param'), True)}, {show('tokens', calc.Q_(d, 'token'), True)}"
                                   f": {x:.3f} nats per token" for n, d, x in zip(N.ravel(), D.ravel(), grid["loss"])])
                 ).mark_rect().encode(
    x=alt.X("params:Q", scale=log, title="Parameters", axis=count), x2="params_end:Q",
    y=alt.Y("tokens:Q", scale=log, title="Training tokens", axis=count), y2="tokens_end:Q",
    color=alt.Color("loss:Q", title="Loss (nats per token)", legend=alt.Legend(orient="bottom"),
                    scale=alt.Scale(scheme="viridis", reverse=True, domain=[float(lo), float(hi)], clamp=True)),
    tooltip=[alt.Tooltip("text:N", title="Parameters, tokens: loss")])
line = alt.Chart(frontier).mark_line(color="white", strokeWidth=3).encode(x="params:Q", y="tokens:Q")
dot = alt.Chart(here).mark_point(color="red", size=120, filled=True).encode(x="params:Q", y="tokens:Q")
st.altair_chart((heat + line + dot).properties(height=420), width="stretch")
o = compute_optimal(f"{6 * active * trained} FLOP", law_name)
at = (f"your scenario's {show('tokens', calc.Q_(given, 'token'))}" if given else "20 tokens per active parameter")
st.caption(f"White: the compute-optimal frontier of {law_name} ({lw.source}). Red: this model at {at}; at that "
           f"compute {law_name} would choose {show('params', o.params)} and "
           f"{show('tokens', o.tokens)} ({o.tokens_per_param:.0f} tokens per parameter).")
