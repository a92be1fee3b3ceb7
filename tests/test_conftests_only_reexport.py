"""Every conftest.py only hands on fixtures from a type-checked kit. mypy leaves the conftest files
out (pytest imports each under the one name `conftest`, which mypy cannot tell apart), so a
fixture written in one would never be type checked: this keeps them to a docstring, imports and
`__all__`."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _statements_beyond_reexports(conftest: Path) -> list[str]:
    tree = ast.parse(conftest.read_text(encoding="utf-8"), filename=str(conftest))
    beyond: list[str] = []
    for index, node in enumerate(tree.body):
        if index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == ["__all__"]:
            continue
        code = [line for line in ast.unparse(node).splitlines() if not line.startswith("@")]
        beyond.append(f"line {node.lineno}: {code[0]}")
    return beyond


def test_every_conftest_only_reexports_fixtures_from_a_kit() -> None:
    conftests = sorted(TESTS.rglob("conftest.py"))
    assert len(conftests) >= 10  # the root one and one per feature folder
    found = {
        str(path.relative_to(TESTS)): beyond
        for path in conftests
        if (beyond := _statements_beyond_reexports(path))
    }
    assert found == {}, f"code in conftest files, which mypy does not check: {found}"


def test_the_check_sees_code_in_a_conftest(tmp_path: Path) -> None:
    conftest = tmp_path / "conftest.py"
    conftest.write_text(
        '"""Doc."""\n\nimport pytest\n\n\n@pytest.fixture\ndef thing() -> int:\n    return 1\n'
        '\n__all__ = ["thing"]\n',
        encoding="utf-8",
    )
    assert _statements_beyond_reexports(conftest) == ["line 7: def thing() -> int:"]
