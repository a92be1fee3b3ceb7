"""Free space, for the checks made before a change that needs room (rekey, the key file) and for
messages that say how much is needed."""

from __future__ import annotations

import os
from pathlib import Path


def free_bytes(directory: Path) -> int:
    """Bytes an unprivileged process may still write on the file system holding `directory`."""
    stats = os.statvfs(directory)
    return stats.f_bavail * stats.f_frsize


def human_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(size, 0) / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
