"""The benchmark suite: `python -m benchmarks [--only NAME] [--quick]` (`make bench`).

Runs every `benchmarks/bench_*.py` module's `run()` (a list of `Figure`), each in a fresh
interpreter so that one module's memory, caches or threads cannot colour another's figures (the
memory target in particular), prints every figure, and exits non-zero when a figure misses its
target or a module fails to import, raises, or returns something other than figures.

`--quick` passes `quick=True` to a `run()` that accepts it (and sets ASB_BENCH_QUICK=1), for a
smoke run; the targets stay those of docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from benchmarks._report import Figure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def module_names() -> list[str]:
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def _select(only: list[str] | None) -> list[str]:
    names = module_names()
    if not only:
        return names
    chosen = []
    for wanted in only:
        name = wanted if wanted.startswith("bench_") else f"bench_{wanted}"
        name = name.removesuffix(".py")
        if name not in names:
            raise SystemExit(
                f"benchmarks: no module {name!r}; there are: {', '.join(names) or 'none'}"
            )
        chosen.append(name)
    return chosen


# --- the child: one module, figures written as JSON -------------------------------------------


def run_module(name: str, quick: bool, result_path: Path) -> int:
    """Import and run one module; write its figures to `result_path`. Exit 0 when it ran."""
    if quick:
        os.environ["ASB_BENCH_QUICK"] = "1"
    module = importlib.import_module(f"benchmarks.{name}")
    run = getattr(module, "run", None)
    if not callable(run):
        raise TypeError(f"{name} has no run() function")
    accepts_quick = "quick" in inspect.signature(run).parameters
    figures = run(quick=quick) if accepts_quick else run()
    if not isinstance(figures, list) or not all(isinstance(f, Figure) for f in figures):
        raise TypeError(f"{name}.run() must return a list of Figure, not {type(figures).__name__}")
    result_path.write_text(json.dumps([dataclasses.asdict(f) for f in figures]), encoding="utf-8")
    return 0


# --- the parent: every module in turn -----------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    name: str
    figures: list[Figure]
    error: str = ""
    seconds: float = 0.0


def _run_child(name: str, quick: bool) -> Outcome:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="asb-bench-") as tmp:
        result_path = Path(tmp) / "figures.json"
        command = [
            sys.executable,
            "-m",
            "benchmarks",
            "--child",
            name,
            "--result",
            str(result_path),
        ]
        if quick:
            command.append("--quick")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        # The child's own output (progress, and its traceback if it fails) goes straight through.
        completed = subprocess.run(command, cwd=ROOT, env=env, check=False)
        seconds = time.perf_counter() - started
        if completed.returncode != 0:
            how = (
                f"killed by signal {-completed.returncode}"
                if completed.returncode < 0
                else f"exit status {completed.returncode}"
            )
            return Outcome(name, [], f"failed ({how}; see its output above)", seconds)
        try:
            raw = json.loads(result_path.read_text(encoding="utf-8"))
            figures = [Figure(**item) for item in raw]
        except (OSError, ValueError, TypeError) as exc:
            return Outcome(name, [], f"returned no readable figures ({exc})", seconds)
    if not figures:
        return Outcome(name, [], "returned no figures", seconds)
    return Outcome(name, figures, "", seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this module (bench_store or store); may be repeated",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--child", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--result", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        try:
            return run_module(args.child, args.quick, Path(args.result))
        except BaseException:
            traceback.print_exc()
            return 1

    names = _select(args.only)
    if not names:
        print("benchmarks: no bench_*.py modules found", file=sys.stderr)
        return 1
    outcomes = []
    for name in names:
        print(f"== {name}", flush=True)
        outcome = _run_child(name, args.quick)
        outcomes.append(outcome)
        for figure in outcome.figures:
            print(figure.line(), flush=True)
        if outcome.error:
            print(f"{name}: FAILED: {outcome.error}", flush=True)
        print(f"   ({name} took {outcome.seconds:.1f} s)", flush=True)

    figures = [f for o in outcomes for f in o.figures]
    missed = [f for f in figures if not f.ok]
    failed = [o for o in outcomes if o.error]
    print()
    for figure in missed:
        print(f"MISSED: {figure.line()}")
    summary = f"{len(figures)} figures, {len(missed)} missed"
    if failed:
        summary += f"; {len(failed)} module(s) failed: {', '.join(o.name for o in failed)}"
    print(summary)
    return 1 if missed or failed else 0


if __name__ == "__main__":
    sys.exit(main())
