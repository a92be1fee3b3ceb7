"""One figure of the benchmark suite: what was measured, the number, and the target it must meet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: float | None = None
    lower_is_better: bool = True
    detail: str = ""

    @property
    def ok(self) -> bool:
        if self.target is None:
            return True
        return self.value < self.target if self.lower_is_better else self.value > self.target

    def line(self) -> str:
        if self.target is None:
            verdict = "(information)"
        else:
            sign = "<" if self.lower_is_better else ">"
            verdict = f"target {sign} {self.target:g} {self.unit}: {'ok' if self.ok else 'MISSED'}"
        extra = f"  [{self.detail}]" if self.detail else ""
        return f"{self.name:<58} {self.value:>10.3f} {self.unit:<6} {verdict}{extra}"
