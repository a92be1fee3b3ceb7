"""The Vulnerable Victims Conference (VVC) pack: one PDF per meeting (or per case).

``render_vvc_pack(pack, out, password)`` typesets ``templates/vvc_pack.typ`` and writes an
AES-256 encrypted PDF (see ``pdf_render.encrypt_pdf``). The caller (the store's query layer) builds
``pack``; everything in it is plain JSON and every date is already a display string (dd/mm/yyyy,
times HH:MM). Missing keys, ``None``, ``""`` and empty lists are all allowed and print as
"Not recorded" / "None recorded". Text is printed exactly as given: it is never read as markup.

Input shape::

    {
      "title": "Vulnerable Victims Conference",      # optional; this is the default
      "meeting_date": "08/12/2026" | None,            # None: a case pack outside a meeting
      "generated_at": "24/11/2026 14:05",
      "generated_by": "Priya Natarajan",
      "council": "Leeds City Council",
      "cases": [                                      # one section per case, each on a new page
        {
          "ref": "ASB-2026-00042",
          "category": "personal" | "nuisance" | "environmental",
          "status": "accepted",
          "region": "england-and-wales" | "scotland" | "northern-ireland",
          "summary": "...",
          "referred_on": "02/10/2026", "accepted_on": "03/10/2026",
          "officer": "...", "case_manager": "...",
          "risk": {
            "score": 23, "level": "high", "assessed_on": "03/10/2026",
            "override": {"level": "high", "reason": "..."} | None,
            "answers": [{"question": "...", "answer": "...", "score": 3}],
          } | None,
          "victims": [{"name", "address", "date_of_birth", "vulnerabilities", "needs"}],
          "perpetrators": [{"name", "address", "notes"}],
          "witnesses": [{"name", "address", "phone", "notes"}],
          "linked_cases": [{"ref", "status", "why"}],    # the same person or place elsewhere
          "incidents": [                              # printed in the order given: sort by date
            {"date": "01/10/2026", "time": "21:40" | "", "location", "description",
             "who", "impact", "police_ref"}
          ],
          "actions_taken": [{"date", "what", "by"}],
          "actions_due": [{"due", "what", "owner", "state": "open" | "overdue" | ...}],
          "agencies": [{"agency", "contact", "reference", "summary"}],
          "legal_remedies": [{"kind", "status", "against", "started_on", "review_on",
                              "expires_on", "victim_role", "support_offered", "notes",
                              "stages": [{"date", "stage", "notes"}]}],
          "evidence": [{"date", "kind", "description"}],
          "consent": {"record_and_share": bool, "signed_on", "scope",
                      "perpetrator_visit_agreed": bool | "Yes (agreed 20/10/2026)" | ...,
                      "kept_updated": "weekly by phone", "withdrawn_on": str | None} | None,
          "sharing": [{"date", "agency", "what", "legal_basis"}],
          "proposed_decisions": ["..."],              # strings (or dicts, shown as tables)
          "vvc_decisions": ["..." | {"decision": ..., "owner": ..., "due": ...}],
        }
      ],
    }

Every page carries OFFICIAL-SENSITIVE top and bottom, "Page X of Y", the meeting date (or
"Case pack") and the reference of the case on that page. The cover lists the cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asb_tui.export.pdf_render import compile_typst, encrypt_pdf, write_pdf_atomically

TEMPLATE = "vvc_pack.typ"


def render_vvc_pack(
    pack: Mapping[str, Any],
    out: Path,
    password: str | None,
    *,
    encrypt: bool = True,
) -> Path:
    """Typeset the pack to ``out`` (written atomically, mode 0600) and return ``out``.

    With ``encrypt`` (the default) a non-empty ``password`` is required and the PDF is AES-256
    encrypted. ``encrypt=False`` (the CLI's ``--no-encrypt``) writes a plain PDF and takes no
    password. Raises ValueError for a bad combination or a pack without a list of cases,
    PdfRenderError when typesetting fails, OSError when ``out`` cannot be written.
    """
    if encrypt and (password is None or not password.strip()):
        raise ValueError("A pack password is required to encrypt the VVC pack.")
    if not encrypt and password:
        raise ValueError("A password was given but encryption is off; leave one of them out.")
    cases = pack.get("cases")
    if cases is not None and not isinstance(cases, list):
        raise ValueError("pack['cases'] must be a list of cases.")
    pdf = compile_typst(TEMPLATE, pack)
    if encrypt:
        assert password is not None  # checked above; narrows the type
        pdf = encrypt_pdf(pdf, password)
    out = Path(out)
    write_pdf_atomically(out, pdf)
    return out
