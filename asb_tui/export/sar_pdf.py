"""Subject access export: a readable PDF of everything held about one person.

``render_sar_pdf(subject, out)`` typesets ``templates/sar.typ``. The template is generic: it walks
the dictionaries it is given and prints one table per record with one row per key (``date_of_birth``
is labelled "Date of birth"), so a field or section added to the export appears without changing
the template. Values are shown as given (dates should already be dd/mm/yyyy strings; ``date``,
``datetime``, ``Enum``, ``UUID`` and ``Decimal`` values are converted). Text is never read as
markup.

Input shape::

    {
      "person": {"name": "...", "date_of_birth": "14/03/1961", "address": "...", ...},
      "generated_at": "24/11/2026 14:05",
      "generated_by": "officer name",               # optional
      "council": "Leeds City Council",              # optional
      "request_ref": "SAR-2026-0012",               # optional
      "cases": [                                    # each case starts on a new page
        {
          "ref": "ASB-2026-00042", "role": "victim",  # plain values: the case's summary table
          "incidents": [{...}, ...],                  # lists of records: one section each,
          "notes": [{...}], "visits": [{...}],        # one table per record
          "consents": [{...}], "sharing": [{...}],
          ...
        }
      ],
      "<anything else>": [...] | {...} | "value",   # other sections (e.g. records not tied to a
    }                                               # case), or plain values on the cover

The PDF carries OFFICIAL-SENSITIVE top and bottom and "Page X of Y". It is not encrypted unless a
password is given (the CLI writes it into a directory the officer chooses).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asb_tui.export.pdf_render import compile_typst, encrypt_pdf, write_pdf_atomically

TEMPLATE = "sar.typ"


def render_sar_pdf(subject: Mapping[str, Any], out: Path, password: str | None = None) -> Path:
    """Typeset the subject access export to ``out`` (atomically, mode 0600) and return ``out``.

    With a ``password`` the PDF is AES-256 encrypted like the VVC pack. Raises ValueError for a
    subject without a person or with cases that are not a list, an empty password,
    PdfRenderError when typesetting fails, OSError when ``out`` cannot be written.
    """
    if not isinstance(subject.get("person"), Mapping):
        raise ValueError("subject['person'] must be a dictionary of the person's details.")
    cases = subject.get("cases")
    if cases is not None and not isinstance(cases, list):
        raise ValueError("subject['cases'] must be a list of cases.")
    if password is not None and not password.strip():
        raise ValueError("The password is empty; give a password or none.")
    pdf = compile_typst(TEMPLATE, subject)
    if password is not None:
        pdf = encrypt_pdf(pdf, password)
    out = Path(out)
    write_pdf_atomically(out, pdf)
    return out
