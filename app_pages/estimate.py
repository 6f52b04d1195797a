"""Estimate page: widgets -> Quantities -> calc.estimate -> metrics, derivation and a chart.

The scenario lives in the URL under the vocabulary's names as "value unit" strings, so a link
reproduces it; a malformed parameter warns and falls back to the default for that field.
"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

import calc
from calc import data
from calc.claims import claim_scenario, claims
from calc.dataset import tokens_in
from calc.display import explain, show
from calc.scenario import read_scenario
from calc.uncertainty import parse_range, simulate
from calc.vocabulary import BY_NAME, QUANTITIES

NUMERIC = [n for n in QUANTITIES if n != "utilization"] + ["dataset_size"]
LAYOUT = [  # (section, names) in the order a reader sets them
    ("Model and data", ["params", "active_params", "tokens", "dataset_size", "flop_per_param_token", "compute"]),
    ("Hardware and time", ["peak", "chips", "duration", "chip_hours"]),
    ("Money and energy", ["price", "cost", "power", "pue", "energy", "carbon_intensity", "emissions"]),
]
HEADLINE = ["compute", "duration", "chip_hours", "cost", "utilization", "energy", "emissions", "price"]
EXAMPLES = {
    "params": "175e9 param", "active_params": "37e9 param", "tokens": "300e9 token", "flop_per_param_token": "6",
    "compute": "3.14e23 FLOP", "dataset_size": "40 GB", "peak": "989 TFLOP/s/chip", "chips": "1024", "duration": "14.8 day",
    "chip_hours": "3.5e6 chip*hour", "price": "2 USD/chip/hour", "cost": "4.6e6 USD", "power": "700 W/chip",
    "pue": "1.1", "energy": "1.3 GWh", "carbon_intensity": "0.429 kg/kWh", "emissions": "552 t",
}


@st.cache_data
def _presets() -> dict[str, dict[str, str]]:
    out = {}
    for m in data.models().values():
        q = m.quantities
        given = {k: q[k] for k in ("params", "active_params", "tokens", "chips", "duration", "utilization", "power")
                 if k in q}
        if "compute" in q and not ("params" in q and "tokens" in q):
            given["compute"] = q["compute"]
        if "chip_hours" in q and "duration" not in q:
            given["chip_hours"] = q["chip_hours"]
        scenario = {k: _text(v) for k, v in given.items()}
        if m.hardware:
            scenario["hardware"] = m.hardware
        out[f"{m.name} (published run)"] = scenario
    for c in claims():
        scenario = claim_scenario(c)
        if scenario is not None:
            out[f"{c.statement[:60]} (claim {c.id})"] = scenario
    return out


def _text(q) -> str:
    return f"{q.magnitude:.6g} {q.units:~C}".strip()


def _set_scenario(scenario: dict[str, str]) -> None:
    for n in NUMERIC:
        st.session_state[f"in_{n}"] = scenario.get(n, "")
    u = scenario.get("utilization")
    st.session_state["give_utilization"] = u is not None
    st.session_state["utilization_range"] = False
    if u is not None:
        try:
            d = parse_range(u, "utilization")
            if d is not None:
                lo, hi = (min(1.0, max(0.01, float(d.quantile(p).m_as("")))) for p in (0, 1))
                st.session_state["utilization_range"] = True
                st.session_state["in_utilization_range"] = (lo, hi)
            else:
                q = calc.parse_quantity(u, "utilization", "", bare_ok=True)
                st.session_state["in_utilization"] = min(1.0, max(0.01, float(q.m_as(""))))
        except calc.InputError:
            st.session_state["give_utilization"] = False
    st.session_state["in_hardware"] = scenario.get("hardware", "(none)")
    st.session_state["in_precision"] = scenario.get("precision", "(default)")


def _on_preset() -> None:
    name = st.session_state["preset"]
    if name in _presets():
        _set_scenario(_presets()[name])


def _from_url() -> None:
    """Read the scenario from the query string once per session; warn on each bad field."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    scenario, problems = {}, []
    for key in st.query_params:
        value = st.query_params.get(key)
        if key not in BY_NAME and key != "dataset_size":
            problems.append(f"URL parameter '{key[:40]}' is not a name of the calculator; ignored.")
            continue
        try:
            if key == "dataset_size":
                tokens_in(value)
                scenario[key] = value
            elif key == "hardware":
                scenario[key] = data.hardware(value).name
            elif key == "precision":
                if value not in data.PRECISIONS:
                    raise calc.InputError(key, f"expected one of {', '.join(data.PRECISIONS)}, got {value[:40]!r}")
                scenario[key] = value
            elif parse_range(value, key) is not None:
                scenario[key] = value
            else:
                term = BY_NAME[key]
                q = calc.parse_quantity(value, key, term.unit, bare_ok=term.bare_ok)
                calc.estimate(**{key: q})  # the same range checks as any input
                scenario[key] = value
        except calc.InputError as exc:
            problems.append(f"URL parameter {exc}; using the default for '{key}'.")
    if scenario:
        _set_scenario(scenario)
    st.session_state["_url_problems"] = problems


def _inputs() -> dict:
    known = {}
    for n in NUMERIC:
        text = st.session_state.get(f"in_{n}", "").strip()
        if text and n != "dataset_size":
            known[n] = text
    if st.session_state.get("give_utilization"):
        if st.session_state.get("utilization_range"):
            lo, hi = st.session_state.get("in_utilization_range", (0.2, 0.5))
            known["utilization"] = f"{lo:g}..{hi:g}"
        else:
            known["utilization"] = float(st.session_state["in_utilization"])
    hw = st.session_state.get("in_hardware", "(none)")
    if hw != "(none)":
        known["hardware"] = hw
    prec = st.session_state.get("in_precision", "(default)")
    if prec != "(default)":
        known["precision"] = prec
    return known


def _to_url(known: dict) -> None:
    size = st.session_state.get("in_dataset_size", "").strip()
    query = {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in known.items()}
    st.query_params.from_dict({**query, "dataset_size": size} if size else query)


def _render_inputs() -> None:
    st.selectbox("Start from", ["(blank)", *_presets()], key="preset", on_change=_on_preset,
                 help="A published run from data/models.csv, or a seed claim's own assumptions.")
    hw_names = ["(none)", *data.hardware_table()]
    c1, c2, c3 = st.columns([2, 1, 2])
    c1.selectbox("Hardware", hw_names, key="in_hardware", help=BY_NAME["hardware"].meaning)
    c2.selectbox("Precision", ["(default)", *data.PRECISIONS], key="in_precision",
                 help="Number format of the peak; default bf16, or fp16 where the chip has no bf16.")
    with c3:
        st.checkbox("Set utilization", key="give_utilization",
                    help="Unchecked: derived from the other inputs, or else the median of published runs.")
        off = not st.session_state.get("give_utilization")
        if st.session_state.get("utilization_range"):
            st.slider("Utilization (MFU), a log-uniform range", 0.01, 1.0, value=(0.2, 0.5), step=0.01,
                      key="in_utilization_range", disabled=off)
        else:
            st.slider("Utilization (MFU)", 0.01, 1.0, step=0.01, key="in_utilization", disabled=off)
        st.checkbox("as a range", key="utilization_range", disabled=off)
    st.caption("Type a value with its unit (e.g. `300e9 token`, `14.8 day`, `2 USD/chip/hour`), or a range "
               "(`1..3 USD/chip/hour`, `lognormal:1..3 USD/chip/hour`, `triangular:200..300..400 Gtoken`); "
               "leave a field empty to have it derived.")
    for section, names in LAYOUT:
        st.markdown(f"**{section}**")
        cols = st.columns(len(names))
        for col, n in zip(cols, names):
            if n == "dataset_size":
                col.text_input("dataset_size [byte]", key="in_dataset_size", placeholder=f"or · e.g. {EXAMPLES[n]}",
                               help="Size of the training text; read as tokens at about 4 bytes of English per "
                                    "token (data/facts.csv) when tokens is empty.")
                continue
            t = BY_NAME[n]
            col.text_input(f"{n} [{t.unit or '1'}]", key=f"in_{n}", placeholder=f"derive · e.g. {EXAMPLES[n]}",
                           help=f"{t.meaning}. A plain number is read in {t.unit or 'fraction'}.")


def _render_result(est: calc.Estimate, sim=None) -> None:
    for w in est.warnings:
        st.warning(w)
    shown = [n for n in HEADLINE if n in est]
    for row in range(0, len(shown), 4):
        cols = st.columns(4)
        for col, n in zip(cols, shown[row:row + 4]):
            item = est[n]
            how = "" if item.source == "given" else f" — {item.how}"
            if sim is None:
                col.metric(f"{n.replace('_', ' ')} · {item.source}", show(n, item.value, short=True),
                           help=show(n, item.value) + how)
                continue
            lo, mid, hi = sim.interval(n)
            col.metric(f"{n.replace('_', ' ')} · {item.source} · median", show(n, mid, short=True),
                       help=f"90% interval {show(n, lo, True)} – {show(n, hi, True)}{how}")
            if lo.magnitude != hi.magnitude:
                col.caption(f"90%: {show(n, lo, True)} – {show(n, hi, True)}")
    if est.order:
        with st.expander("How it was derived", expanded=True):
            for line, step in zip(explain(est), est.steps):
                cite = step.split("  ", 1)[1] if "  " in step else ""
                st.markdown(f"- `{line}`" + (f"  \n  _{cite.strip()}_" if cite else ""))
    table = pd.DataFrame([
        {"quantity": n, "value": show(n, it.value), "source": it.source, "how": "" if it.source == "given" else it.how}
        for n, it in est.items.items()
    ] + [{"quantity": n, "value": "—", "source": "unknown", "how": why} for n, why in est.undetermined.items()])
    with st.expander("Every quantity"):
        st.dataframe(table, hide_index=True, width="stretch")
    return table


def _without_data(spec: dict) -> dict:
    """A spec Altair built with no data, ready for st.vega_lite_chart to fill on each rerun."""
    spec.pop("data", None)
    spec.pop("datasets", None)
    return spec


@st.cache_data
def _sweep_spec(field: str, title: str, color: str) -> dict:
    """The Vega-Lite spec of a sweep chart, built (and validated) by Altair once; data comes per rerun."""
    x = alt.X("chips:Q", scale=alt.Scale(type="log"), title="chips")
    y = alt.Y(f"{field}:Q", scale=alt.Scale(type="log"), title=title)
    line = alt.Chart().mark_line(color=color).encode(x=x, y=y, tooltip=["chips:Q", f"{field}:Q"])
    dot = alt.Chart().mark_point(size=120, filled=True, color="black").encode(x=x, y=y).transform_filter("datum.here")
    spec = alt.layer(line, dot).properties(title=f"{title.split(' ')[0]} against chip count", height=260).to_dict()
    return _without_data(spec)


def _render_sweep(known: dict) -> None:
    if "chips" not in known or "duration" in known or "chip_hours" in known:
        st.caption("The chip-count chart needs chips given and the duration derived.")
        return
    try:
        centre = float(calc.parse_quantity(known["chips"], "chips", "chip", bare_ok=True).m_as("chip"))
        chips = np.unique(np.round(np.geomspace(max(1.0, centre / 32), centre * 32, 41)))
        est = calc.estimate(**{**known, "chips": chips})
    except calc.InputError:
        return
    if "duration" not in est or "cost" not in est:
        return
    df = pd.DataFrame({"chips": chips, "days": est.duration.m_as("day"), "usd": est.cost.m_as("USD")})
    df["here"] = False
    df.loc[int(np.argmin(np.abs(np.log(chips / centre)))), "here"] = True
    left, right = st.columns(2)
    left.vega_lite_chart(df, _sweep_spec("days", "duration [day]", "#1f77b4"), width="stretch")
    right.vega_lite_chart(df, _sweep_spec("usd", "cost [USD]", "#d62728"), width="stretch")
    st.caption("At fixed utilization, duration falls as 1/chips and cost stays flat; the dot is your choice.")


def _render_uncertainty(sim) -> None:
    output = "cost" if "cost" in sim.estimate else "duration" if "duration" in sim.estimate else None
    if output is None:
        return
    q = sim.estimate[output].value
    unit = "USD" if output == "cost" else "day"
    values = np.asarray(q.m_as(unit), dtype=float)
    st.selectbox("Samples", [1_000, 10_000, 100_000], index=1, key="samples",
                 help="Draws from the ranges (seeded: the same inputs give the same answer).")
    if values.ndim == 0 or values.min() == values.max():
        return
    edges = np.geomspace(values.min(), values.max(), 41)
    counts, _ = np.histogram(values, edges)
    hist = pd.DataFrame({"low": edges[:-1], "high": edges[1:], "samples": counts})
    rows = sim.sensitivity(output)
    tornado = pd.DataFrame([{"input": n, "low": lo.m_as(unit), "high": hi.m_as(unit)} for n, lo, hi in rows])
    left, right = st.columns(2)
    left.vega_lite_chart(hist, _hist_spec(output, unit), width="stretch")
    if not tornado.empty:
        right.vega_lite_chart(tornado, _tornado_spec(output, unit), width="stretch")
    st.caption(f"{sim.samples:,} samples (seed {sim.seed}). Right: {output} when each range alone moves across "
               "its 90% interval, the others at their medians.")


@st.cache_data
def _hist_spec(output: str, unit: str) -> dict:
    x = alt.X("low:Q", scale=alt.Scale(type="log"), title=f"{output} [{unit}]", axis=alt.Axis(format="~s"))
    spec = alt.Chart().mark_bar().encode(x=x, x2="high:Q", y=alt.Y("samples:Q", title="samples"),
                                         y2=alt.datum(0)).properties(
        title=f"distribution of {output}", height=260).to_dict()
    return _without_data(spec)


@st.cache_data
def _tornado_spec(output: str, unit: str) -> dict:
    spec = alt.Chart().mark_bar(color="#f58518").encode(
        x=alt.X("low:Q", scale=alt.Scale(type="log"), title=f"{output} [{unit}]", axis=alt.Axis(format="~s")), x2="high:Q",
        y=alt.Y("input:N", sort=None, title=None), tooltip=["input:N", "low:Q", "high:Q"],
    ).properties(title=f"what drives {output}", height=260).to_dict()
    return _without_data(spec)


def _render_files(known: dict, table) -> None:
    c1, c2, c3 = st.columns(3)
    scenario = {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in known.items()}
    if st.session_state.get("in_dataset_size", "").strip():
        scenario["dataset_size"] = st.session_state["in_dataset_size"].strip()
    c1.download_button("Scenario (JSON)", json.dumps(scenario, indent=2), "scenario.json", "application/json")
    if table is not None:
        c2.download_button("Results (CSV)", table.to_csv(index=False), "results.csv", "text/csv")
    up = c3.file_uploader("Load a scenario (JSON)", type=["json"], key="upload")
    if up is not None and st.session_state.get("_uploaded") != up.file_id:
        st.session_state["_uploaded"] = up.file_id
        try:
            scenario = read_scenario(up.getvalue())
        except calc.InputError as exc:
            st.error(f"Scenario file not loaded: {exc}")
        else:
            _set_scenario(scenario)
            st.rerun()


st.title("What does it take to train this model?")
_from_url()
for problem in st.session_state.get("_url_problems", []):
    st.warning(problem)
_render_inputs()
known = _inputs()
_to_url(known)
table = None
st.divider()
try:
    size = st.session_state.get("in_dataset_size", "").strip()
    if size and "tokens" not in known:
        tokens = tokens_in(size)
        st.caption(f"tokens from the dataset size: {size} at {data.fact('english_bytes_per_token').value:~P} "
                   f"(rule of thumb) = {show('tokens', tokens)}")
        known = {**known, "tokens": tokens}
    sim = None
    if any(isinstance(v, str) and ".." in v for v in known.values()):
        sim = simulate(samples=int(st.session_state.get("samples", 10_000)), seed=0, **known)
        est = sim.estimate
    else:
        est = calc.estimate(**known)
except calc.InputError as exc:
    st.error(str(exc))
except Exception as exc:  # the app never shows a traceback
    st.error(f"Unexpected problem ({type(exc).__name__}): {exc}")
else:
    st.session_state["_last_known"] = known
    st.session_state["_last_compute"] = float(est.compute.m_as("FLOP")) if "compute" in est else None
    table = _render_result(est, sim)
    if sim is None:
        _render_sweep(known)
    else:
        _render_uncertainty(sim)
_render_files(known, table)
