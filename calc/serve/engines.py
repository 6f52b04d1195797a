"""Serving engines by name: the releases of data/serving_host.csv and data/serving_engines.csv as people type them
("vllm 0.11", "trtllm 1.0", "vLLM v0.10.1"), and what an engine brings to a serving setup on a chip (its host work and
its release's defaults). One reader for every door: ``calc.serve`` (and its ``engine_name``), the command line and
the Serving page.
"""

from __future__ import annotations

import re

from calc import data
from calc.errors import InputError, nearest
from calc.serve import load
from calc.serve.terms import release_key

__all__ = ["engine_name", "engine_host"]


# the words people type for an engine's family, as data/serving_host.csv spells it ("trtllm 1.0" is TensorRT-LLM 1.0)
_ENGINE_FAMILIES = {"vllm": "vllm", "sglang": "sglang", "nim": "nim", "tensorrt-llm": "tensorrt-llm", "tensorrt llm": "tensorrt-llm",
                    "tensorrtllm": "tensorrt-llm", "tensorrt": "tensorrt-llm", "trtllm": "tensorrt-llm", "trt-llm": "tensorrt-llm",
                    "trt llm": "tensorrt-llm"}
_ENGINE_WORDS = re.compile(r"^(" + "|".join(sorted(map(re.escape, _ENGINE_FAMILIES), key=len, reverse=True))
                           + r")(?:[\s=:_/-]*v?(\d[\w.]*))?(.*)$")


VENDOR_BUILDS = ("(rocm)",)  # a name's tail that marks another vendor's build of a release line, never read for it


def _engine_parts(text: str) -> tuple[str, str, str] | None:
    """(family, version, the rest) of an engine's name as typed, folded ("vLLM v0.11.0" -> ("vllm", "0.11.0", ""),
    "vLLM 0.9.1 (ROCm)" -> ("vllm", "0.9.1", "(rocm)")); None for a name of no family listed."""
    m = _ENGINE_WORDS.match(" ".join(text.split()).casefold())
    if m is None:
        return None
    return _ENGINE_FAMILIES[m.group(1)], m.group(2) or "", m.group(3).strip()


def _version_key(name: str) -> tuple:
    """An engine's release as ``terms.release_key`` orders releases, for the newest of a family ("vLLM 0.10.1.1"
    after "vLLM 0.10.1", "1.2.0rc5" before "1.2")."""
    parts = _engine_parts(name)
    return release_key(parts[1]) if parts else ()


def _nearest_releases(version: str, rest: str, names: list[str], n: int = 3) -> list[str]:
    """The ``n`` releases of ``names`` (one family's) nearest ``version`` in release order (``terms.release_key``):
    of the build typed, where listed ("vllm 0.8.2": vLLM 0.8.5, not vLLM 0.8.5 (ROCm), another vendor's), the fewest
    releases away, one of the release line typed before one of another at the same distance: "sglang 0.5.0" is told
    0.5.1.post3, 0.4.10.post2 and 0.5.2, "vllm 0.9.9" 0.9.2, 0.10.0 and 0.9.1, where it was told the line's oldest
    first (0.9.0, 0.9.0.1, 0.9.1), and "sgl 0.5.0" the three nearest in spelling (0.5.9, 0.5.7, 0.5.3).

    >>> _nearest_releases("0.9.9", "", ["vLLM 0.9.0", "vLLM 0.9.0.1", "vLLM 0.9.1", "vLLM 0.9.2", "vLLM 0.10.0"])
    ['vLLM 0.9.2', 'vLLM 0.10.0', 'vLLM 0.9.1']
    """
    ordered = sorted([e for e in names if _engine_parts(e)[2] == rest] or names, key=_version_key)
    at = sum(_version_key(e) < release_key(version) for e in ordered)  # where the release typed would stand
    line = ".".join(version.split(".")[:2]) + "."

    def far(i: int) -> tuple:
        return (i - at if i >= at else at - 1 - i, not (_engine_parts(ordered[i])[1] + ".").startswith(line), i < at)
    return [ordered[i] for i in sorted(range(len(ordered)), key=far)[:n]]


def _engine_same(names: list[str]) -> bool:
    """Whether the engines ``names`` take the same defaults (data/serving_engines.csv), host work
    (data/serving_host.csv) and chips (data/serving_engine_chips.csv): a family of such releases is one engine."""
    host, tiers, vendors = data.serving_host(), data.serving_engines(), data.serving_engine_vendors()

    def key(n):
        return (tuple(sorted((h, v["host_per_sequence"], v["host_overlap"], v["chips"])
                             for (e, h), v in host.items() if e == n)),
                tuple((t["chip_memory_from"], t["except_chips"], tuple(sorted(t["settings"].items())))
                      for t in tiers.get(n, ())), vendors.get(n))
    return len({key(n) for n in names}) == 1


def engine_name(engine) -> str | None:
    """The serving engine of data/serving_host.csv that ``engine`` names, as the table spells it (case and spaces as
    people type them: "tensorrt-llm 1.0" and "trtllm 1.0" are "TensorRT-LLM 1.0", "vLLM v0.10.1" is "vLLM 0.10.1");
    None for None. A release line ("vllm 0.9") is read as its newest release listed only where its first release
    (0.9.0) is listed and every release of it listed takes the same defaults, host work and chips (``_engine_same``);
    the answer names the release (``Serving.engine``). Else (a bare "vllm", whose releases differ), and for an unknown
    name, a one-line error listing the releases it could mean: the family's, or every engine's with the nearest.

    >>> engine_name(" vllm  0.10.1")
    'vLLM 0.10.1'
    >>> engine_name("trtllm 1.0")
    'TensorRT-LLM 1.0'
    """
    if engine is None:
        return None
    names = {e for e, _ in data.serving_host()}
    if engine in names:  # as the table spells it (the answer's own name, passed on)
        return engine
    known = sorted(names)
    given = " ".join(str(engine).split()).casefold()
    if not given:  # "--engine ''": said as such, not as an unknown name after a list of every engine
        raise InputError("engine", "expected a serving engine's name, got an empty value; give one (e.g. \"vllm 0.11\"), "
                                   "or leave it out")
    for name in known:
        if " ".join(name.split()).casefold() == given:
            return name
    typed = _engine_parts(given)
    if typed is not None:
        family, version, rest = typed
        same = [n for n in known if (p := _engine_parts(n)) and p[0] == family and p[2] == rest
                and (not version or p[1] == version or p[1].startswith(version + "."))]
        exact = [n for n in same if _engine_parts(n)[1] == version]
        if len(exact) == 1:
            return exact[0]
        listed = ", ".join(sorted(same, key=_version_key))
        # a release line is read as one release only where its first release is listed too ("vllm 0.9": 0.9.0 to
        # 0.9.2 alike), never from its later releases alone ("vllm 0.8": 0.8.0-0.8.4 set other defaults than 0.8.5)
        whole = version and any(_engine_parts(n)[1] in (version, version + ".0") for n in same)
        if same and whole and _engine_same(same):
            return max(same, key=_version_key)
        if same and whole:
            raise InputError("engine", f"expected one release, got {engine!r:.60}, which names {len(same)} whose "
                                       f"defaults or host work differ: {listed}")
        if same:
            raise InputError("engine", f"expected one release, got {engine!r:.60}: data/serving_engines.csv and "
                                       f"data/serving_host.csv list {listed} of it")
        mine = sorted((n for n in known if (p := _engine_parts(n)) and p[0] == family), key=_version_key)
        # the one listed release of that number, named with its backend ("NIM 1.8.0" is "NIM 1.8.0 (TensorRT-LLM)"),
        # but never another vendor's build ("vllm 0.9.1" on an MI300X asks for "vLLM 0.9.1 (ROCm)", never taken)
        sole = [n for n in mine if _engine_parts(n)[1] == version]
        if version and not rest and len(sole) == 1 and _engine_parts(sole[0])[2] not in VENDOR_BUILDS:
            return sole[0]
        if mine:  # a release not listed ("vllm 0.8.2"): the listed releases nearest it in release order
            near = _nearest_releases(version, rest, mine) if version else nearest(str(engine), mine, n=3, cutoff=0.5)
            hint = f"; did you mean {' or '.join(near)}?" if near else ""
            raise InputError("engine", f"expected one of {', '.join(mine)}, got {engine!r:.60}{hint}")
    holding = [n for n in known if given and given in n.casefold()]  # "mlperf" is in five: the three nearest
    near = (holding if len(holding) <= 3 else nearest(given, holding, n=3, cutoff=0)) or \
        nearest(str(engine), known, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    word, _, tail = given.partition(" ")
    spelt = nearest(word, _ENGINE_FAMILIES, n=1) if tail and word not in _ENGINE_FAMILIES else []
    if spelt:  # the family misspelt, the release typed: that release first ("vlm 0.11" was told vLLM 0.19.1 first)
        try:
            hint = f"; did you mean {engine_name(f'{spelt[0]} {tail}')}?"
        except InputError:  # a release not listed: the family's nearest in release order ("sgl 0.5.0" was told 0.5.9)
            typed = _engine_parts(f"{spelt[0]} {tail}")
            mine = [n for n in known if typed and (p := _engine_parts(n)) and p[0] == typed[0]]
            near = _nearest_releases(typed[1], typed[2], mine) if typed and typed[1] else []
            hint = f"; did you mean {' or '.join(near)}?" if near else hint
    family = nearest(word, _ENGINE_FAMILIES, n=1) if not near else []
    if family:  # a family's name misspelt ("vlm 0.11", "sglan"): the release it names with the name spelt right
        try:
            hint = f"; did you mean {engine_name(f'{family[0]} {tail}')}?" if tail else ""
        except InputError:
            hint = ""
        hint = hint or f'; did you mean "{family[0]}"? (alone it lists its releases)'
    if spelt or family:  # a family misspelt: the families, not every engine on a line of 800 characters (doors23)
        families = ", ".join(sorted(set(_ENGINE_FAMILIES.values())))
        raise InputError("engine", f"expected a release of a family ({families}: a family's name alone lists its "
                                   f"releases) or another engine of data/serving_host.csv, got {engine!r:.60}{hint}")
    raise InputError("engine", f"expected one of {_engines_in_brief(known)}, got {engine!r:.60}{hint}")


def _engines_in_brief(known: list[str]) -> str:
    """Every engine listed, a family's plain releases said as their count and range (its name alone lists them),
    so that a name of no family is refused on a line one reads, not on 100 names."""
    families: dict[str, list[str]] = {}
    for n in known:
        parts = _engine_parts(n)
        if parts and parts[1] and not parts[2]:
            families.setdefault(parts[0], []).append(n)
    shown = [n for n in known if not any(n in v for v in families.values())]
    said = []
    for releases in families.values():
        releases.sort(key=_version_key)
        first, last = releases[0], releases[-1]
        said.append(first if len(releases) == 1 else
                    f"{first} to {_engine_parts(last)[1]} ({len(releases)} releases: "
                    f"\"{first.rsplit(' ', 1)[0].casefold()}\" alone lists them)")
    return ", ".join(sorted(said, key=str.casefold) + sorted(shown, key=str.casefold))


def engine_on(engine, hardware) -> str | None:
    """``engine_name`` of ``engine``, where a family named without one release (a bare "vllm") is told the releases
    that run on ``hardware``'s vendor's chips (data/serving_engine_chips.csv), not every release listed: "vllm" on an
    MI300X listed vLLM's CUDA releases, none of which runs there, and not its ROCm builds, which do; "vllm (rocm)" on
    an H100 listed the ROCm builds. Where none of the family's releases runs on the chip, that is said in one line:
    SGLang on a TPU v6e was told to pick one of 29 releases, none of which runs there (fresh14). Any other name as
    ``engine_name`` reads it.

    >>> engine_on("sglang", "TPU v6e")
    Traceback (most recent call last):
    ...
    calc.errors.InputError: engine: expected an engine that runs on the TPU v6e (Google), got 'sglang', whose releases data/serving_engine_chips.csv lists on NVIDIA and AMD chips only; give none (no engine listed runs on it)
    """
    try:
        return engine_name(engine)
    except InputError:
        parts = _engine_parts(str(engine)) if engine is not None else None
        try:
            hw = hardware if isinstance(hardware, data.Hardware) else data.hardware(hardware)
        except InputError:
            hw = None
        if parts is None or hw is None:
            raise
        family, version, rest = parts
        vendors = data.serving_engine_vendors()
        names = {e for e, _ in data.serving_host()}

        def runs(e: str) -> bool:
            return hw.vendor in vendors.get(e, (hw.vendor,))

        def of(p) -> bool:  # a release of the family, at the release line typed, of the build typed (any, where none)
            return bool(p) and p[0] == family and (not rest or p[2] == rest) and \
                (not version or p[1] == version or p[1].startswith(version + "."))
        mine = sorted((e for e in names if of(_engine_parts(e))), key=_version_key)
        listed = [e for e in mine if _engine_parts(e)[2] == rest]  # the releases engine_name's error lists
        if not mine or (listed and all(runs(e) for e in listed)):
            raise
        here = [e for e in mine if runs(e)]
        if here:  # some run there: those alone, whichever build
            raise InputError("engine", f"expected one release, got {str(engine)!r:.60}: of its releases that "
                                       f"data/serving_engines.csv and data/serving_host.csv list, those that run on the "
                                       f"{hw.name} ({hw.vendor}) are {', '.join(here)} (data/serving_engine_chips.csv)"
                             ) from None
        theirs = list(dict.fromkeys(v for e in mine for v in vendors.get(e, (hw.vendor,))))  # as the table lists them
        fits = [e for e in sorted(names) if runs(e)]
        hint = f"give one of {_engines_in_brief(fits)}, or none" if fits else "give none (no engine listed runs on it)"
        raise InputError("engine", f"expected an engine that runs on the {hw.name} ({hw.vendor}), got "
                                   f"{str(engine)!r:.60}, whose releases data/serving_engine_chips.csv lists on "
                                   f"{' and '.join(theirs)} chips only; {hint}") from None


def engine_host(engine, hardware) -> dict:
    """``load.setup``'s keyword arguments for ``engine`` on ``hardware``: its host work (``load.published_host``) and
    its release's defaults on that chip (``data.engine_defaults``: vLLM's max_num_seqs and max_num_batched_tokens);
    none for None. An unknown engine is an
    error that lists the known ones, and so is one whose builds run on another vendor's chips
    (``data.serving_engine_vendors``: TensorRT-LLM on an MI300X, vLLM's ROCm build on an H100)."""
    name = engine_name(engine)
    if name is None:
        return {}
    hw = hardware if isinstance(hardware, data.Hardware) else data.hardware(hardware)
    vendors = data.serving_engine_vendors()
    if hw.vendor not in vendors.get(name, (hw.vendor,)):
        fits = [e for e in sorted({e for e, _ in data.serving_host()}) if hw.vendor in vendors.get(e, (hw.vendor,))]
        # a family's releases as a count and a range (_engines_in_brief), not 30 names in string order
        hint = f"give one of {_engines_in_brief(fits)}, or none" if fits else "give none (no engine listed runs on it)"
        # the same family's builds of the same release line for this vendor ('vllm 0.11' on an MI300X: its ROCm build
        # vLLM 0.11.1 (ROCm)) said first, never taken in its place: another build is another row's defaults and host
        mine = _engine_parts(name)
        line = ".".join(mine[1].split(".")[:2]) if mine else ""
        kin = sorted((e for e in fits if line and (p := _engine_parts(e)) and p[0] == mine[0]
                      and (p[1] == line or p[1].startswith(line + "."))), key=_version_key)
        kin = [e for e in kin if _engine_parts(e)[1] == mine[1]] or kin  # the same release's build, where listed
        if kin:
            hint = f"did you mean {' or '.join(kin)} ({hw.vendor} build{'s' if len(kin) > 1 else ''} of that release line)? Else {hint}"
        raise InputError("engine", f"expected an engine that runs on the {hw.name} ({hw.vendor}), got {name!r}, which "
                                   f"data/serving_engine_chips.csv lists on {' and '.join(vendors[name])} chips only (a build for "
                                   f"another vendor's chips is listed under a name of its own); {hint}")
    return {**load.published_host(name, hw.name), **data.engine_defaults(name, hw)}
