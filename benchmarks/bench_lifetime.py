"""The Lifetime page's first visit (its calc calls), this tree against a baseline commit, in the same run.

Run from the repository root: ``python -m benchmarks.bench_lifetime [BASELINE]`` (default ``7cb88b7``; needs git:
the baseline is ``git archive``d into a temporary directory, never committed). The page's defaults (Llama 3 70B on
H100 SXM5, 15T training tokens, 100B tokens a day for 730 days): ``service_life``, its dollar optimum, its size curve
(40 sizes, each served on 1 to 64 chips: 280 serving searches) and ``linear_rule``. Each run is a fresh interpreter
(the page's modules imported, the tables read cold, as a first visit reads them), baseline and this tree alternating so that a shared machine's
load falls on both; the least CPU seconds of ``REPEAT`` runs of the first visit and of a second one in the same
interpreter, their ratio this / baseline, and whether every output is the same (a digest of their reprs and arrays).
Apart, the page itself opened by streamlit.testing (``PAGE``): the app's first page, then the Lifetime page's
first run, CPU seconds, and its metrics compared.
Not a timed test: ratios, not seconds, carry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from benchmarks.bench_import import BASELINE, ROOT, baseline_tree

REPEAT = 3

VISIT = r'''
import hashlib, json, time

import calc.estimate, calc.serve  # imported before the visit, as app_pages/lifetime.py imports them
from calc.lifetime import DEFAULT_LAW
from calc.service_life import linear_rule, service_life


def visit():
    life = service_life("Llama 3 70B", "H100 SXM5", training_tokens="15T token", tokens_per_day="100B token/day",
                        days="730 day", tpot_limit=None, precision=None, price=None, serving_price=None)
    return life, life.lifetime(DEFAULT_LAW), life.size_curve(DEFAULT_LAW, points=40), linear_rule("H100 SXM5")


def digest(out):
    life, opt, sizes, rule = out
    arrays = {k: v.magnitude.tolist() if hasattr(getattr(v, "magnitude", None), "tolist") else v
              for k, v in sizes.items()}
    text = "\n".join(map(repr, (life, vars(life.serving), opt, arrays, rule, life.cumulative(120))))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


t = time.process_time()
out = visit()
first = time.process_time() - t
t = time.process_time()
visit()
again = time.process_time() - t
print(json.dumps({"first": first, "again": again, "digest": digest(out)}))
'''


# The page itself through streamlit.testing, as tests/apppage.py opens it: the app's first page (where the app's
# imports are made, once per server), then the Lifetime page's first run (its calc calls and its charts), and the two
PAGE = r'''
import json, time
from streamlit.testing.v1 import AppTest

t = time.process_time()
at = AppTest.from_file("app.py", default_timeout=300)
at.run()
opened = time.process_time() - t
t = time.process_time()
at.switch_page("app_pages/lifetime.py").run()
page = time.process_time() - t
assert not at.exception, [e.message for e in at.exception]
print(json.dumps({"opened": opened, "page": page, "both": opened + page,
                  "digest": str(sorted((m.label, m.value) for m in at.metric))}))
'''


def run(tree, code: str = VISIT) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    commit = sys.argv[1] if len(sys.argv) > 1 else BASELINE
    old = baseline_tree(commit, ("calc", "data", "seeds", "app.py", "app_pages", ".streamlit"))
    new_runs, old_runs = [], []
    for _ in range(REPEAT):
        new_runs.append(run(ROOT) | {"page " + k: v for k, v in run(ROOT, PAGE).items()})
        old_runs.append(run(old) | {"page " + k: v for k, v in run(old, PAGE).items()})
    digests = {(r["digest"], r["page digest"]) for r in new_runs + old_runs}
    print(f"Lifetime page's calc calls, least CPU s of {REPEAT} fresh interpreters each; baseline {commit}")
    print(f"  {'':<34}{'this':>8}{'baseline':>10}{'ratio':>8}")
    for key, name in (("first", "first visit (tables read cold)"), ("again", "the same again (tables read)"),
                      ("page opened", "the app's first page (AppTest)"),
                      ("page page", "then the Lifetime page's first run"), ("page both", "the two")):
        t_new, t_old = min(r[key] for r in new_runs), min(r[key] for r in old_runs)
        print(f"  {name:<34}{t_new:8.3f}{t_old:10.3f}{t_new / t_old:8.2f}")
    print(f"  outputs (and the page's metrics) {'identical' if len(digests) == 1 else 'DIFFER'}")


if __name__ == "__main__":
    main()
