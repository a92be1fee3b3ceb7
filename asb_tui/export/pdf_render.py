"""Typesetting PDFs from the Typst templates in ``asb_tui/export/templates``.

The data is handed to Typst as one JSON string in ``sys.inputs.data``; the templates decode it with
``json(bytes(sys.inputs.data))`` and only ever display its strings. Nothing the user typed is pasted
into markup, so a name such as ``#set text(red)``, ``*bold*`` or ``$x$`` prints exactly as typed.

``compile_typst`` places ``templates/_common.typ`` (page furniture and helpers) in front of the
template it compiles, so each template reads as one self-contained document.

Fonts: the Typst package embeds Libertinus Serif (the body text here), New Computer Modern and
DejaVu Sans Mono, which cover Latin (Polish, Irish and the rest), Greek and Cyrillic. Their only
Arabic is DejaVu Sans Mono's monospaced one, so the package ships Noto Naskh Arabic (SIL OFL 1.1,
``fonts/OFL.txt``) for names in Arabic script. System fonts are used only as a last fallback for
other scripts; nothing needs installing on the machine.

The plain PDF is never written to disk: it is built in memory, encrypted in memory when asked,
and written once, atomically, with mode 0600.
"""

from __future__ import annotations

import atexit
import datetime as dt
import decimal
import enum
import functools
import io
import json
import os
import re
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from importlib import resources
from pathlib import Path, PurePath
from typing import Any

import pikepdf
import typst

_TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*\.typ$")
_COMMON_TEMPLATE = "_common.typ"
_PACKAGE = "asb_tui.export"


class PdfRenderError(RuntimeError):
    """Typst could not typeset a document (or the data could not be handed to it)."""


def compile_typst(template_name: str, data: Mapping[str, Any]) -> bytes:
    """Typeset ``templates/<template_name>`` with ``data`` and return the PDF bytes."""
    return compile_source(_template_source(template_name), data, name=template_name)


def compile_source(
    source: bytes,
    data: Mapping[str, Any],
    *,
    name: str,
    root: Path | None = None,
    accessible: bool = False,
) -> bytes:
    """Typeset Typst ``source`` (already joined with its helpers) with ``data``.

    ``root`` is the only folder the document may read files from (a logo); none: no files.
    ``accessible`` writes a tagged PDF/UA-1 document (structure tree, document language, title).
    """
    payload = _to_json(data)
    template_name = name
    # The stub ties `root` to the input's type (bytes here): a folder is passed as a string.
    options: dict[str, Any] = {"root": str(root)} if root is not None else {}
    standards: list[typst.PDFStandard] = ["ua-1"] if accessible else []
    try:
        pdf = typst.compile(
            source,
            font_paths=_fonts(),
            sys_inputs={"data": payload},
            pdf_standards=standards,
            pdf_tags=True,
            **options,
        )
    except typst.TypstError as exc:
        raise PdfRenderError(f"Could not typeset {template_name}: {_describe(exc)}") from exc
    except RuntimeError as exc:  # typst reports some failures (e.g. fonts) as plain RuntimeError
        raise PdfRenderError(f"Could not typeset {template_name}: {exc}") from exc
    if not isinstance(pdf, bytes):  # pragma: no cover - typst returns bytes when no output path
        raise PdfRenderError(f"Could not typeset {template_name}: typst returned no PDF")
    return pdf


def encrypt_pdf(pdf_bytes: bytes, password: str) -> bytes:
    """Encrypt a PDF with AES-256 (security handler revision 6).

    ``password`` opens the document. The owner password is random and thrown away, so nobody can
    lift the restrictions through the owner password. Printing is allowed (packs are printed for
    the meeting) and so is access for screen readers; copying text out, editing, annotating and
    assembling are not. Those permission flags are advisory: a reader that has the password can
    ignore them. The encryption itself is what protects the pack.
    """
    if not password or not password.strip():
        raise ValueError("A password is needed to encrypt the PDF.")
    permissions = pikepdf.Permissions(
        accessibility=True,
        extract=False,
        modify_annotation=False,
        modify_assembly=False,
        modify_form=False,
        modify_other=False,
        print_lowres=True,
        print_highres=True,
    )
    encryption = pikepdf.Encryption(
        user=password,
        owner=secrets.token_urlsafe(32),
        R=6,
        aes=True,
        metadata=True,
        allow=permissions,
    )
    out = io.BytesIO()
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            pdf.save(out, encryption=encryption)
    except pikepdf.PdfError as exc:
        raise PdfRenderError(f"Could not encrypt the PDF: {exc}") from exc
    return out.getvalue()


def write_pdf_atomically(path: Path, pdf_bytes: bytes) -> None:
    """Write ``pdf_bytes`` to ``path`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file (mode 0600) in the same directory, are flushed to disk, and
    the file is renamed over ``path``. The directory must exist; an OSError is raised otherwise.
    """
    path = Path(path)
    directory = path.parent
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):
                os.fchmod(handle.fileno(), 0o600)
            handle.write(pdf_bytes)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on Windows.
    if not hasattr(os, "O_DIRECTORY"):
        return
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _template_source(template_name: str) -> bytes:
    if not _TEMPLATE_NAME.match(template_name):
        raise PdfRenderError(f"Not a template name: {template_name!r}")
    templates = resources.files(_PACKAGE).joinpath("templates")
    try:
        common = templates.joinpath(_COMMON_TEMPLATE).read_bytes()
        body = templates.joinpath(template_name).read_bytes()
    except FileNotFoundError as exc:
        raise PdfRenderError(f"No such template: {template_name}") from exc
    return common + b"\n" + body


@functools.cache
def _fonts() -> typst.Fonts:
    # Searching the fonts once per process keeps each compile fast.
    return typst.Fonts(
        include_system_fonts=True,
        include_embedded_fonts=True,
        font_paths=[str(_font_directory())],
    )


def _font_directory() -> Path:
    fonts = resources.files(_PACKAGE).joinpath("fonts")
    if isinstance(fonts, Path):
        return fonts
    # Installed inside a zip: Typst needs real files, so copy them out once for this process.
    target = Path(tempfile.mkdtemp(prefix="asb-tui-fonts-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    for entry in fonts.iterdir():
        if entry.name.endswith(".ttf"):
            (target / entry.name).write_bytes(entry.read_bytes())
    return target


def _to_json(data: Mapping[str, Any]) -> str:
    try:
        return json.dumps(dict(data), default=_json_default, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise PdfRenderError(f"The export data cannot be typeset: {exc}") from exc


def _json_default(value: object) -> object:
    """Values that JSON lacks, shown the way the app shows them (dates as dd/mm/yyyy)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID | decimal.Decimal | PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    raise TypeError(f"{type(value).__name__} is not exportable")


def _describe(exc: typst.TypstError) -> str:
    message = getattr(exc, "message", "") or str(exc)
    hints = getattr(exc, "hints", None) or []
    diagnostic = getattr(exc, "diagnostic", "") or ""
    parts = [message.strip()]
    parts.extend(f"hint: {hint}" for hint in hints)
    if diagnostic.strip():
        parts.append(diagnostic.strip())
    return "\n".join(parts)
