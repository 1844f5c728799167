"""The errors of one bulk upload, kept for a day so the person who uploaded it can download them.

The result page is the answer to a POST, so its errors are written to
DATA_DIR/upload-errors/<token>.json with the uploader's id and the time; the page links to
them by the random token. Only that user may read them, and only for KEEP_FOR: an older
file is refused and deleted when asked for, and old files are swept whenever errors are saved.
"""

import datetime as dt
import json
import os
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from mqis.returns.bulk_rows import BulkError

KEEP_FOR = dt.timedelta(hours=24)
TOKEN = re.compile(r"^[0-9a-f]{32}$")
HEADER = ["Row", "Column", "Value", "What is wrong", "Error code"]
GONE = "These errors are no longer kept: upload the file again to see them."


def folder() -> Path:
    return Path(settings.DATA_DIR) / "upload-errors"


def _path(token: str) -> Path:
    if not TOKEN.match(token):
        raise Http404(GONE)
    return folder() / f"{token}.json"


def save(user: Any, errors: Iterable[BulkError], now: dt.datetime | None = None) -> str:
    """Keep the errors for the user; the token that finds them again."""
    sweep()
    token = secrets.token_hex(16)
    path = _path(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"user": user.pk, "created": (now or timezone.now()).isoformat(),
            "errors": [[e.row, e.column, e.value, e.message, e.code] for e in errors]}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)  # a reader sees the whole file or none
    return token


def load(user: Any, token: str, now: dt.datetime | None = None) -> tuple[dt.datetime, list[list[Any]]]:
    """When the errors were kept and the errors, as rows under HEADER; 404 unless the user's and recent."""
    path = _path(token)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        created = dt.datetime.fromisoformat(data["created"])
    except (OSError, ValueError, KeyError, TypeError):
        raise Http404(GONE) from None
    if (now or timezone.now()) - created > KEEP_FOR:
        path.unlink(missing_ok=True)
        raise Http404(GONE)
    if data.get("user") != user.pk:
        raise Http404(GONE)  # the same answer as no file: a token's owner is not given away
    return created, data["errors"]


def sweep() -> None:
    """Delete kept errors older than KEEP_FOR (by the file's time: a file is written once)."""
    oldest = time.time() - KEEP_FOR.total_seconds()
    if not folder().is_dir():
        return
    for path in folder().iterdir():
        try:
            if path.stat().st_mtime < oldest:
                path.unlink(missing_ok=True)
        except OSError:
            continue  # another process swept it first
