"""The README runs as written: every command of its ```bash blocks and every ```python block is run.

Python blocks run statement by statement, one namespace per section (a ``##`` heading), as
doctest would: a statement followed by a comment line ``# SomeError: ...`` must raise that error,
and a result whose comment opens with a value (``# 0.197: derived``, ``# 'modelled'``) must show it.
Shell commands run from the repository's root and must exit 0 (unless their comment says
``exits with status N``); ``python -m calc ...`` runs in this process (the same ``main`` as the
console). Commands that install something, start the app or run this suite are checked, not run:
the extras they name exist, the files they start exist.
"""

from __future__ import annotations

import ast
import json
import math
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
RAISES = re.compile(r"^\s*#\s*(\w+(?:Error|Exception|Warning))\b")
SHOWS = re.compile(r"#\s*(?P<value>'[^']*'|[-+]?\d[\d_]*(?:\.\d+)?(?:e[-+]?\d+)?)(?=[:\s]|$)")
EXITS = re.compile(r"exits? with status (\d+)")


def _blocks(lang: str) -> list[tuple[int, str, str]]:
    """(first line of the body, section heading, body) of every ``lang`` block of the README."""
    text = README.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        if m.group(1) != lang:
            continue
        before = text[:m.start()]
        headings = re.findall(r"^## (.+)$", before, re.M)
        out.append((before.count("\n") + 2, headings[-1] if headings else "", m.group(2)))
    return out


def _commands() -> list[tuple[int, str]]:
    """(line, command with its comment) of each shell command, continuation lines joined."""
    out = []
    for start, _, body in _blocks("bash"):
        pending, first = "", None
        for i, line in enumerate(body.splitlines()):
            if not line.strip() and not pending:
                continue
            first = start + i if not pending else first
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            out.append((first, pending + line))
            pending = ""
        assert not pending, f"README line {first}: a command ends in a continuation"
    return out


def _parts(command: str) -> list[list[str]]:
    """The command's simple commands (split at ``&&``), each as argv; the comment dropped."""
    lex = shlex.shlex(command, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    parts, argv = [], []
    for token in lex:
        if token == "&&":
            parts.append(argv)
            argv = []
        elif token in ("|", "||", ";", ">", "<", "&"):
            pytest.fail(f"{command!r}: keep README commands to simple commands joined by &&")
        else:
            argv.append(token)
    return parts + [argv]


def _extras() -> set[str]:
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])


def _check_not_run(argv: list[str]) -> bool:
    """Check a command that installs, serves or runs this suite; False if it is none of those."""
    words = [w for w in argv if not w.startswith("-")]
    if words[:2] == ["pip", "install"] or words[:4] == ["python", "-m", "pip", "install"]:
        for target in words[2:] if words[0] == "pip" else words[4:]:
            base, _, extras = target.partition("[")
            assert base == ".", f"{argv}: installs {target!r}, not this project"
            assert set(extras.rstrip("]").split(",")) - {""} <= _extras(), f"{argv}: no such extra in pyproject.toml"
        return True
    if words[:2] == ["apt-get", "install"] or words[:4] == ["python", "-m", "playwright", "install"]:
        return True
    if words[:2] == ["streamlit", "run"]:
        assert (ROOT / words[2]).is_file(), f"{argv}: no {words[2]} in the repository"
        return True
    if argv[:3] == ["python", "-m", "pytest"]:
        return True
    return False


COMMANDS = _commands()


def test_the_readme_has_commands_and_blocks():
    assert len(COMMANDS) >= 10 and len(_blocks("python")) >= 3


@pytest.mark.parametrize("line,command", COMMANDS, ids=[f"line{n}-{c.split('#')[0][:50].strip()}" for n, c in COMMANDS])
def test_shell_command_runs_as_written(line, command, capsys, monkeypatch):
    from calc.__main__ import main

    monkeypatch.chdir(ROOT)
    expected = int(m.group(1)) if (m := EXITS.search(command.partition("#")[2])) else 0
    assert "[" not in command.replace(".[", ""), f"README line {line}: [optional] flags cannot be pasted"
    for argv in _parts(command):
        if _check_not_run(argv):
            continue
        if argv[:3] == ["python", "-m", "calc"]:
            try:
                code = main(argv[3:])
            except SystemExit as exc:
                code = exc.code
            out, err = capsys.readouterr()
            assert code == expected, f"README line {line}: exit {code}\n{err[-2000:]}"
            assert out.strip() or err.strip(), f"README line {line}: printed nothing"
        else:
            argv = [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]
            r = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
            assert r.returncode == expected, f"README line {line}: exit {r.returncode}\n{r.stderr[-2000:]}"


def _sections() -> list[tuple[str, list[tuple[int, str]]]]:
    by: dict[str, list[tuple[int, str]]] = {}
    for start, heading, body in _blocks("python"):
        by.setdefault(heading, []).append((start, body))
    return list(by.items())


def _shown(value, text: str) -> bool:
    """Whether ``value`` reads as ``text`` (a quoted string, or a number to the digits written)."""
    if text.startswith("'"):
        return value == text[1:-1]
    digits = len(re.sub(r"\D", "", text.split("e")[0]).lstrip("0")) or 1
    x = float(getattr(value, "magnitude", value))
    return math.isclose(x, float(text), rel_tol=0.5 * 10 ** (1 - digits))


@pytest.mark.parametrize("heading,blocks", _sections(), ids=[h for h, _ in _sections()])
def test_python_blocks_run_as_written(heading, blocks, monkeypatch):
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "readme"}
    for start, body in blocks:
        lines = body.splitlines()
        for stmt in ast.parse(body).body:
            where = f"README line {start + stmt.lineno - 1}"
            code = ast.get_source_segment(body, stmt)
            following = lines[stmt.end_lineno] if stmt.end_lineno < len(lines) else ""
            if m := RAISES.match(following):
                with pytest.raises(Exception) as info:
                    exec(compile(code, where, "exec"), namespace)
                assert m.group(1) in [c.__name__ for c in type(info.value).__mro__], f"{where}: raised {info.value!r}"
                continue
            if isinstance(stmt, ast.Expr):
                value = eval(compile(code, where, "eval"), namespace)
                comment = lines[stmt.end_lineno - 1].partition("#")[2]
                if m := SHOWS.match("#" + comment):
                    assert _shown(value, m.group("value")), f"{where}: shows {value!r}, the README says {m.group('value')}"
            else:
                exec(compile(code, where, "exec"), namespace)


def test_the_readme_counts_and_names_every_page_of_the_app():
    # it said "ten pages" of eleven
    pages = re.findall(r'st\.Page\("app_pages/\w+\.py", title="([^"]+)"', (ROOT / "app.py").read_text())
    words = {10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen"}
    text = README.read_text()
    assert f"opens {words.get(len(pages), len(pages))} pages" in text
    section = text[text.index("streamlit run app.py` opens"):]
    assert all(f"**{title}**" in section[:3000] for title in pages), pages


def _run_calc(argv: list[str], capsys) -> str:
    from calc.__main__ import main

    assert main(argv) == 0
    return capsys.readouterr().out


def _deepseek_v3(out: str) -> str:
    hours = json.loads(out)["run"]["chip_hours"]["value"]
    return f"{hours / 1e6:.3g}M H800-hours, {hours / 2.664e6:.3g}x the 2.664M"


def _budget(out: str) -> str:
    fast = re.search(r"2,048 H100 SXM5 \(.*?\) take ([\d.]+) days", out)
    over = re.search(r"4,096 H100 SXM5 \(.*?\) take ([\d.]+) days, .*?, (\$[\d.]+M), over", out)
    return f"2,048 chips, {fast.group(1)} days (4,096 would take {over.group(1)} days and cost {over.group(2)})"


def _lambda(out: str) -> str:
    years = re.search(r"chip-hours \(([\d,]+) chip-years\)", out).group(1)
    return f"prints {years} chip-years"


def _lifetime_serving(precision: str):
    def figure(out: str) -> str:
        m = re.search(r"in (\w+) on (\d+) x H100 SXM5 at saturation, \$([\d.]+) per million tokens", out)
        assert m and m.group(1) == precision, out[-600:]
        return f"{'bf16:' if precision == 'bf16' else '--precision fp8 #'} {m.group(2)} H100, ${m.group(3)} per million tokens"
    figure.__name__ = f"_lifetime_{precision}"
    return figure


def _engine(out: str) -> str:
    from calc.serve import serve

    tpot = re.search(r"time per output token\s+([\d.]+) ms", out).group(1)
    without = serve("Llama 3 70B", "H100 SXM5", 8, precision="fp8").tpot.m_as("ms")
    return f'--engine "TensorRT-LLM 0.15.0" # {tpot} ms TPOT, {without:.3g} without'


def _serve_claim(claim: str, quoted: str, modelled: str, factor: str, at_most: bool = False):
    """A row of the README's table of serve claims: quoted | modelled by calc.serve | factor | verdict."""
    def figure(out: str) -> str:
        r = next(r for r in json.loads(out) if r["id"] == claim)
        verdict = r["verdict"] + (" (at most)" if at_most else "")
        return f"| {quoted} | {modelled.format(r['recomputed']['value'])} | {factor.format(r['ratio'])} | {verdict} |"
    figure.__name__ = f"_{claim}"
    return figure


def _deepseek_decode(out: str) -> str:
    """The DeepSeek paragraph's figures (fresh15: it said 15,539 at 89 sequences per GPU and 0.95x, two rounds stale,
    beside the table's 13,588 and 1.09x): tokens/s per node, sequences per GPU, TPOT, factor, $ per output Mtoken."""
    d = json.loads(out)
    node = d["tokens_per_second"]["per_chip"] * 8
    return (f"it is {node:,.0f} ({d['concurrency'] / d['chips']:.0f} sequences per GPU, {d['tpot'] * 1e3:.1f} ms TPOT), "
            f"the stated figure {14800 / node:.2f}x it, reproduced within the claim's 25%, and "
            f"${d['usd_per_million_tokens']['output']:.2f} per million output tokens")


# Figures the README's prose quotes from a command's output: the text it must hold, made from what the command
# prints today (fresh-eyes 2026-12-06 found three stale). A model change that moves them fails here: update the prose.
FIGURES = [
    (["step", "--model", "DeepSeek-V3", "--hardware", "H800 SXM5", "--chips", "2048", "--pipeline", "16", "--expert",
      "64", "--global-batch", "15360", "--sequence", "4096", "--precision", "fp8", "--schedule", "dualpipe",
      "--recompute-modules", "layernorm,mla_up_proj", "--ignore-memory", "--tokens", "14.8T", "--json"], _deepseek_v3),
    (["step", "--model", "GPT-3 175B", "--hardware", "H100 SXM5", "--global-batch", "1536", "--sequence", "2048",
      "--tokens", "300e9", "--budget", "$1.5M"], _budget),
    (["estimate", "--compute", "3.14e23 FLOP", "--hardware", "V100 PCIe", "--precision", "fp16-nontensor",
      "--utilization", "1", "--chips", "1"], _lambda),
    (["lifetime", "--model", "Llama 3.1 405B", "--inference-tokens", "20T", "--hardware", "H100 SXM5"],
     _lifetime_serving("bf16")),
    (["lifetime", "--model", "Llama 3.1 405B", "--inference-tokens", "20T", "--hardware", "H100 SXM5", "--precision",
      "fp8"], _lifetime_serving("fp8")),
    (["serve", "--model", "Llama 3 70B", "--hardware", "H100 SXM5", "--chips", "8", "--precision", "fp8", "--engine",
      "TensorRT-LLM 0.15.0"], _engine),
    (["claims", "--json"], _serve_claim("openai-gpt4o-price-vs-modelled-cost", "$4.38 / Mtoken", "${:.2f}", "{:.2f}",
                                        at_most=True)),
    (["claims", "--json"], _serve_claim("together-llama-405b-price-vs-modelled-cost", "$3.50", "${:.2f}", "{:.2f}",
                                        at_most=True)),
    (["claims", "--json"], _serve_claim("epoch-gpt4o-query-energy-modelled", "0.3 Wh", "{:.2g} Wh", "{:.2g}")),
    (["claims", "--json"], _serve_claim("deepseek-decode-node-throughput-modelled", "14,800", "{:,.0f}", "{:.2f}")),
    (["serve", "--model", "DeepSeek-V3", "--hardware", "H800 SXM5", "--chips", "128", "--tensor", "128", "--expert", "128",
      "--attention-data-parallel", "--precision", "fp8", "--disaggregated", "--input-tokens", "1583", "--tpot-limit",
      "47.6 ms", "--limit-statistic", "mean", "--json"], _deepseek_decode),
]


@pytest.mark.parametrize("argv, figure", FIGURES, ids=[f[1].__name__.strip("_") for f in FIGURES])
def test_the_prose_quotes_what_the_command_prints(argv, figure, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    text = " ".join(README.read_text(encoding="utf-8").split())
    quoted = figure(_run_calc(argv, capsys))
    assert quoted in text, f"the README should say {quoted!r}, as the command prints today"


def test_the_linear_rule_table_is_what_the_code_gives():
    # the lifetime section's table (calc.service_life.linear_rule against calc.serve, and 70B's shape scaled): it
    # quoted 405B in bf16 on 16 H100 at $6.17 after the serving model had moved it to 64 chips at $3.51
    from calc.service_life import linear_rule, serving_price_at

    text = README.read_text(encoding="utf-8")
    for precision in ("bf16", "fp8"):
        for r in linear_rule("H100 SXM5", precision=precision):
            if r["model"] == "Llama 3 70B":
                continue
            modelled, linear = r["modelled"].m_as("USD/Mtoken"), r["linear"].m_as("USD/Mtoken")
            scaled = serving_price_at(r["params"], "H100 SXM5", precision=precision).m_as("USD/Mtoken")
            money = (lambda x: f"{x:.3f}") if modelled < 0.1 else (lambda x: f"{x:.2f}")
            row = (f"| {r['model']}, {precision} | {r['chips']}", f"| {money(modelled)} | {money(linear)} | "
                   f"{r['error']:+.0%} | {scaled / modelled - 1:+.0%} |")
            line = next((x for x in text.splitlines() if x.startswith(row[0] + " ")), None)
            assert line is not None and line.endswith(row[1]), f"README table row should end {row[1]!r}: {line!r}"


def test_every_dotted_name_of_calc_the_readme_gives_resolves_as_typed():
    # a new user's walk (fresh10): `calc.lifetime.compute_overhead(k)` and `calc.serve.frontier(...)` failed as typed
    # after `import calc` (calc.lifetime and calc.serve are the functions; their modules' names are imported from)
    import importlib

    import calc

    text = README.read_text(encoding="utf-8")
    names = sorted(set(re.findall(r"`(calc(?:\.[A-Za-z_]\w*)+)(?=[(`])", text)))
    assert "calc.estimate" in names and "calc.units.parse_quantity" in names
    broken = []
    for name in names:
        obj, parts = calc, name.split(".")
        for i, part in enumerate(parts[1:], start=2):
            if not hasattr(obj, part):  # a submodule not imported yet: imported as a user would
                try:
                    importlib.import_module(".".join(parts[:i]))
                except ImportError:
                    pass
            obj = getattr(obj, part, None)
            if obj is None:
                broken.append(name)
                break
    assert not broken, broken
