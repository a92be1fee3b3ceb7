"""Every vocabulary value the procedure can store has a human label for the screen."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from enum import StrEnum

import asb_tui.domain
from asb_tui.domain.labels import VOCABULARIES, humanise, label, label_choices, labels_for
from asb_tui.domain.types import ClosureReason, DeadlineKind, LegalRemedyKind, RiskLevel


def _domain_vocabularies() -> set[type[StrEnum]]:
    """Every StrEnum declared in the domain package, found by walking its modules."""
    found: set[type[StrEnum]] = set()
    for module_info in pkgutil.iter_modules(asb_tui.domain.__path__):
        module = importlib.import_module(f"asb_tui.domain.{module_info.name}")
        for _, member in inspect.getmembers(module, inspect.isclass):
            declared_here = member.__module__ == module.__name__
            if declared_here and issubclass(member, StrEnum) and member is not StrEnum:
                found.add(member)
    return found


def test_every_domain_vocabulary_is_listed() -> None:
    assert _domain_vocabularies() == set(VOCABULARIES)


def test_every_value_of_every_vocabulary_has_its_own_label() -> None:
    for vocabulary in VOCABULARIES:
        labels = labels_for(vocabulary)
        missing = [member.value for member in vocabulary if member.value not in labels]
        assert missing == [], f"{vocabulary.__name__} has no label for {missing}"
        stale = set(labels) - {member.value for member in vocabulary}
        assert stale == set(), f"{vocabulary.__name__} labels values it does not have: {stale}"
        for member in vocabulary:
            text = label(member)
            assert text and text != member.value, f"{member!r} would show raw"


def test_the_labels_read_as_the_council_writes_them() -> None:
    assert label(ClosureReason.ASB_CEASED) == "ASB ceased"
    assert label("asb-ceased") == "ASB ceased"
    assert label(LegalRemedyKind.CPN) == "Community Protection Notice"
    assert label("community-protection-notice") == "Community Protection Notice"
    assert label(RiskLevel.HIGH) == "High"
    assert label(DeadlineKind.DIARY_SHEETS) == "Diary sheets"
    assert label("in-force") == "In force"
    assert label(None, empty="-") == "-"


def test_an_unknown_value_is_humanised_not_shown_raw() -> None:
    assert label("vvc-follow-up") == "VVC follow up"
    assert humanise("asb-thing") == "ASB thing"
    assert humanise("") == ""


def test_choices_keep_the_stored_values_in_order() -> None:
    choices = label_choices(ClosureReason)
    assert [value for _, value in choices] == [member.value for member in ClosureReason]
    assert choices[0] == ("ASB ceased", "asb-ceased")
