"""One AppTest rerun after a field change, against a trivial one-line Streamlit script.

Run: python benchmarks/bench_app.py. Both reruns go through streamlit.testing's AppTest in the
same process, so the ratio is the app's own cost per interaction (target: within 1.5x).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
QUERY = {"params": "175e9 param", "tokens": "300e9 token", "hardware": "V100 SXM2", "chips": "10000",
         "utilization": "0.3"}
BASELINE = "import streamlit as st\nst.write(st.text_input('x', key='x'))\n"


def rerun_times(at: AppTest, change, repeat: int = 15) -> float:
    runs = []
    for i in range(repeat):
        change(at, i)
        t = time.perf_counter()
        at.run()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        trivial = Path(d) / "trivial.py"
        trivial.write_text(BASELINE)
        base = AppTest.from_file(str(trivial), default_timeout=60).run()
        t_base = rerun_times(base, lambda at, i: at.text_input(key="x").input(f"{(i % 9 + 1) / 10}"))

    app = AppTest.from_file(APP, default_timeout=60)
    for k, v in QUERY.items():
        app.query_params[k] = v
    app.run()
    assert not app.exception
    t_app = rerun_times(app, lambda at, i: at.text_input(key="in_utilization").input(f"{0.2 + (i % 7) / 20:.2f}"))
    print("AppTest rerun after a field change, median of 15 (a whole-page rerun: AppTest runs no fragment alone)")
    print(f"  {'trivial one-line script':<28}{t_base * 1e3:8.1f} ms")
    print(f"  {'calc app, Estimate page':<28}{t_app * 1e3:8.1f} ms   ratio {t_app / t_base:.2f}x")


if __name__ == "__main__":
    main()
