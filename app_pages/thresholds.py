"""Thresholds page: the rules, when they applied, and what it takes a cluster to cross them."""

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

import calc
from app_pages import charts, session
from calc import data
from calc.claims import figures
from calc.cost import all_methods, default_price, no_price_message, price_basis, scenario_start
from calc.display import as_text, escape, number, show
from calc.reader import read_chips
from calc.thresholds import cluster_crossings, run_crossings, runs_per_budget, time_to_reach

st.title("Which rules does a run cross?")
rules = data.thresholds().values()


def _short_rule(name: str) -> str:
    """A rule's name short enough for a phone's axis: 'Executive Order 14110, sec. 4.2(b)(i)' as 'EO 14110 §4.2(b)(i)'."""
    short = name.split(":")[0].replace("Executive Order", "EO").replace(", sec. ", " §").replace(", Art. ", " Art. ")
    return short.replace("California", "Calif.")


timeline = pd.DataFrame([{
    "rule": _short_rule(t.name), "name": t.name, "line": show("compute", t.compute, short=True) if t.compute else
    f"{number(t.cluster_peak.m_as('FLOP/s'))} FLOP/s cluster", "status": t.status, "start": t.signed,
    # A vetoed bill never applied: a mark at its veto, not a bar to today.
    "end": t.signed if t.status == "vetoed" else t.revoked or dt.date.today(), "applies to": t.applies_to,
} for t in rules])
base = alt.Chart(timeline).encode(
    x=alt.X("start:T", title=None, axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1}),
            scale=alt.Scale(domainMin={"year": min(t.signed for t in rules).year, "month": 1, "date": 1})),
    y=alt.Y("rule:N", title=None, sort=None, axis=alt.Axis(labelLimit=200)),
    color=alt.Color("status:N", title="Status", scale=alt.Scale(  # in force strong, past ones pale, a veto grey
        domain=["in force", "signed", "revoked", "vetoed"], range=["#1f5fbf", "#d9480f", "#9ec5fe", "#6c757d"]),
        legend=alt.Legend(orient="bottom", columns=2)),  # below, two by two: a phone keeps the plot and every status
    tooltip=[alt.Tooltip("name", title="rule"), "line", "status", "start:T", "end:T", "applies to"])
st.altair_chart(alt.layer(
    base.transform_filter("datum.status != 'vetoed'").mark_bar(height=14).encode(x2="end:T"),
    base.transform_filter("datum.status == 'vetoed'").mark_point(shape="diamond", size=160, filled=True),
).properties(height=charts.HEIGHT, title="Rules over time"), width="stretch")
st.caption("Each rule from its signing to its revocation, or to today; a vetoed bill is a point at its veto.")

PAGE = "thresholds"  # its fields in the URL as thresholds.compute=..., as Parallel layouts keeps its own
FIELDS = {"compute": "th_compute", "chips": "th_chips", "hardware": "th_hw"}
EXAMPLE = "3.8 × 10²⁵ FLOP"  # Llama 3.1 405B's compute (data/models.csv): the example when the scenario has none
LABELS = {"compute": "Training compute (FLOP)", "chips": "Cluster size (chips)", "hardware": "Cluster hardware"}


def _problem(name: str, message: str) -> str:
    """One field of the link that is not used, by its label and its URL name, as the other pages say it."""
    where = escape(f"{PAGE}.{name}", limit=60)  # a link's key is user text: shown inert, never as Markdown
    return f"**{escape(LABELS.get(name, name), limit=60)}** ({where}): {escape(message, limit=300)}"


def _refused(name: str, text: str) -> str | None:
    """Why calc refuses the link's ``text`` for field ``name`` (the page's own readers), else None."""
    try:
        if name == "compute":
            run_crossings(text)
        elif name == "chips":
            read_chips(text)
            cluster_crossings(text, "H100 SXM5")
        else:  # as every page reads a chip ('h100': did you mean H100 SXM5...?; 'h100 sxm5' is H100 SXM5)
            data.hardware(text)
    except calc.InputError as exc:
        return exc.message
    return None


saved, problems = session.view(PAGE), []
for name, key in FIELDS.items():  # a link's (or the last visit's) value first; the defaults below fill the rest
    if name in saved and key not in st.session_state:
        why = _refused(name, saved[name])
        if why is None:
            st.session_state[key] = data.hardware(saved[name]).name if name == "hardware" else saved[name]
        else:  # the default below stands in for it
            problems.append(_problem(name, why))
if "th_link_problems" not in st.session_state:  # the link, read on the first visit: every bad field said at once
    st.session_state["th_link_problems"] = [_problem(k, "not a field of this page") for k in saved
                                            if k not in FIELDS] + problems
for problem in st.session_state["th_link_problems"]:
    st.warning(f"Ignored from the link: {problem}")
if "th_compute" not in st.session_state:
    own = session.compute()
    st.session_state["th_compute"] = as_text("compute", own) if own is not None else EXAMPLE
c1, c2, c3 = st.columns(3)
compute = c1.text_input("Training compute (FLOP)", key="th_compute",
                        help="Your Estimate scenario's compute when it has one; e.g. `10^26 FLOP`.")
if "th_chips" not in st.session_state:  # the scenario's cluster when it has one, else xAI's 100,000
    st.session_state["th_chips"] = session.get().get("chips") or "100000"
chips = c2.text_input("Cluster size (chips)", key="th_chips",
                      help="Your Estimate scenario's chip count when it has one; e.g. `100k` or `100000`.")
if "th_hw" not in st.session_state:  # the scenario's hardware when it names a known chip, else the H100
    st.session_state["th_hw"] = session.scenario_hardware(data.hardware_table())
hardware = c3.selectbox("Cluster hardware", list(data.hardware_table()), key="th_hw",
                        help="Your Estimate scenario's hardware when it has one.")
session.keep(PAGE, {name: str(st.session_state[key]) for name, key in FIELDS.items()})
if compute.strip() == EXAMPLE and session.compute() is None:
    c1.caption("An example, Llama 3.1 405B's compute, not your run's: your Estimate scenario gives no compute "
               "(parameters and tokens, or the compute itself).")
EMPTY = {"compute": "give the run's training compute, e.g. 10^26 FLOP", "chips": "give the number of chips, e.g. 100k"}


def _checked(name: str, text: str, read):
    """``read(text)``, or the InputError saying why not, named by ``name``: an empty field said in words ("Training
    compute is empty: give ..."), not as the reader's 'got an empty value'."""
    if not text.strip():
        return calc.InputError(name, f"{LABELS[name].split(' (')[0]} is empty: {EMPTY[name]}")
    try:
        return read(text)
    except calc.InputError as exc:
        return exc


# every field checked, each by its own reader, and every one that does not read said at once (the compute's error hid
# a cluster of 1.5, 'lots' or -1 chips until it was fixed), each by its label, as the Estimate page lists its fields
# one field alone answers its own rules, as `calc thresholds --compute` or `--chips` does (fresh24b: the compute alone
# was refused, "Cluster size is empty"); both empty, each is said
alone = not compute.strip() or not chips.strip()
both_empty = not compute.strip() and not chips.strip()
runs = [] if alone and not compute.strip() and not both_empty else _checked("compute", compute, run_crossings)
if alone and not chips.strip() and not both_empty:
    n_chips = cluster = None
else:
    n_chips = _checked("chips", chips, read_chips)  # a cluster: a whole number of chips, at least one
    cluster = n_chips if isinstance(n_chips, calc.InputError) else _checked("chips", chips,
                                                                            lambda t: cluster_crossings(t, hardware))
bad = [e for e in (runs, cluster) if isinstance(e, calc.InputError)]
if bad:
    typed = {"compute": compute, "chips": chips}  # an empty field's line names it already ("Training compute is empty")
    said = [e.message if not typed[e.field].strip() else f"{LABELS.get(e.field, e.field)}: {e.message}" for e in bad]
    st.error(escape(said[0]) if len(said) == 1 else "\n".join(f"- {escape(x)}" for x in said))
    st.stop()
rows = [{"Rule": c.threshold.name, "Status": c.threshold.status, "Measure": c.measure,
         "Ratio to the line": number(c.ratio), "Crosses": "yes" if c.crosses else "no"} for c in runs + (cluster or [])]
st.table(pd.DataFrame(rows), hide_index=True)  # rule names are long: a table shows them whole
st.caption("The rules say 'greater than': a run of exactly 10²⁶ FLOP does not cross 10²⁶. A cluster's peak depends "
           "on the number format it is counted in: 100,000 H100 are under 10²⁰ FLOP/s at dense BF16, over it at FP8.")

if n_chips is None:
    st.info("Give a cluster size (chips) for its own rules and for what it takes that cluster to reach each line.")
    st.stop()
cluster = show("chips", n_chips)
st.subheader(f"What it takes {cluster} ({hardware}) to reach each line")
lines = sorted({t.compute.m_as("FLOP") for t in rules if t.compute and t.applies_to == "all models"})
OWNERS = {"xai-series-b": "xAI's", "openai-founders-pledge": "OpenAI's", "lhc-budget": "The LHC's"}  # whose money
budgets = [f for f in figures() if f.id in OWNERS]
start = scenario_start()  # a run of today, at the newest prices in force: the Estimate page's price
on_demand = default_price(hardware, "on-demand", start)
reach, buys, missing, est = [], [], {}, None
known = session.known_shape()  # the scenario's shape: each line's run at its modelled utilization, as Estimate's
shape = known[0] if known else None
try:  # a line's run can still fail (a result beyond a float): one error, never a traceback
    for line in lines:
        est = time_to_reach(calc.Q_(line, "FLOP"), n_chips, hardware, model=shape)
        methods = all_methods(est.chip_hours, hardware, start)
        for m in methods:
            if isinstance(m, calc.InputError):
                missing[str(m)] = True
        by_method = {m.method: show("cost", m.value) for m in methods if not isinstance(m, calc.InputError)}
        # "buys" divides by the table's own on-demand cost: one price for the whole row, named in the caption
        rent = next((m.value for m in methods if not isinstance(m, calc.InputError)
                     and m.method == "cloud (on-demand)"), None)
        reach.append({"Line": f"{number(line)} FLOP", "Duration": show("duration", est.duration), **by_method})
        buys.append({"Runs to": f"{number(line)} FLOP",
                     **{f"{OWNERS[f.id]} {show('cost', f.quoted, short=True)} buys":
                        f"{number(runs_per_budget(f.quoted, rent))} runs" if rent is not None else "—" for f in budgets}})
except calc.InputError as exc:
    st.error(escape(exc))
    st.stop()
# Two tables of four columns, not one of seven: a phone's 390 px shows each whole (headers wrap, nothing cut)
st.table(pd.DataFrame(reach), hide_index=True)
if on_demand is not None:
    st.table(pd.DataFrame(buys), hide_index=True)
if est is not None:
    if on_demand is not None:
        committed = default_price(hardware, "3-year", start)
        tiers = ("; the 3-year price from the same cloud, so the tiers compare like with like" if committed else
                 f"; {on_demand.vendor} lists no 3-year price for it")
        prices = (f"Costs of a run starting today ({start}), at the newest cloud prices in force, as on the Estimate "
                  f"page: "
                  f"{escape(price_basis(on_demand), limit=600)}{tiers}. 'Buys' counts runs at that same on-demand "
                  "price (the first table's on-demand column).")
    else:
        prices = f"No cloud cost: {escape(no_price_message(hardware), limit=600)}."
    st.caption(f"At {show('utilization', est.utilization)} utilization ({est['utilization'].source}). {prices} "
               "Amortized ownership as in Cottier et al. 2024. Budgets are the seed articles' figures (xAI's "
               "Series B, OpenAI's founders' pledge, the LHC).")
    for why in missing:
        if on_demand is not None and "3-year" not in why:  # the caption has already said what the 3-year lacks
            st.caption(f"Not in the table: {escape(why, limit=600)}")
