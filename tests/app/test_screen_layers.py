"""Screens and widgets never open a session: they hand store work to a worker (screens/base.py)
and get frozen read models back. Their imports (no SQLAlchemy, no ORM models, never asb_tui.app)
are import-linter contracts in pyproject.toml; this walks their code for the calls a contract
cannot see: `store.read()`, `store.write()`, an engine, a `Session(...)`."""

from __future__ import annotations

import ast
from pathlib import Path

import asb_tui

PACKAGE = Path(asb_tui.__file__).parent
UI_MODULES = sorted([*PACKAGE.glob("screens/*.py"), *PACKAGE.glob("widgets/*.py")])
SESSION_METHODS = {"read", "write"}
ENGINES = {"read_engine", "write_engine", "engine"}


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _name(node.func)
    return ""


def session_calls(source: str) -> list[str]:
    """Where the code opens a session or reaches an engine, as "line: what"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = _name(node.func.value).lower()
            if node.func.attr in SESSION_METHODS and "store" in owner:
                found.append(f"{node.lineno}: {owner}.{node.func.attr}()")
        if isinstance(node, ast.Call) and _name(node.func) == "Session":
            found.append(f"{node.lineno}: Session(...)")
        if isinstance(node, ast.Attribute) and node.attr in ENGINES:
            found.append(f"{node.lineno}: .{node.attr}")
    return sorted(found, key=lambda where: int(where.split(":")[0]))


def test_the_walk_finds_each_way_of_opening_a_session() -> None:
    source = (
        "with self.asb.store.read() as session: pass\n"
        "with store.write() as uow: pass\n"
        "Session(store.write_engine)\n"
        "self.write(job)\n"  # a form's own method, not a store's
    )
    assert session_calls(source) == [
        "1: store.read()",
        "2: store.write()",
        "3: Session(...)",
        "3: .write_engine",
    ]


def test_no_screen_or_widget_opens_a_session() -> None:
    assert len(UI_MODULES) > 40  # the globs found the package
    found = {
        path.relative_to(PACKAGE).as_posix(): calls
        for path in UI_MODULES
        if (calls := session_calls(path.read_text(encoding="utf-8")))
    }
    assert found == {}
