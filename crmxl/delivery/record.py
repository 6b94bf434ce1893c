"""What ``todo --send`` has sent: ``.crmxl-sent.json`` beside the workbook, so that a re-run for
the same as-of date sends nothing twice.

Why a file beside the workbook and not the 变更日志 sheet: recording a message in the workbook
would rewrite the team's file once per message (a safe save of a large workbook takes seconds)
and would be refused whenever someone has it open in Excel, which is exactly when the weekly job
runs; the 变更日志 records changes to the data, and a sent message is not one.

The record is written after each message that went out (never before), to a temporary file
that replaces the old one (:mod:`crmxl.workbook.fileops`) after it reached the disk: a crash leaves the record
of every message but perhaps the last, which a re-run may then send again (at most one
message per crash, never one lost). The write lock crmxl takes on workbooks
(:mod:`crmxl.workbook.lock`, an OS lock the system drops when a run dies) keeps two ``--send``
runs from interleaving.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from crmxl.errors import CrmxlError, WriteRefusedError
from crmxl.i18n import register
from crmxl.workbook.fileops import new_temp, remove_file, replace_file, sync_file, sync_folder
from crmxl.workbook.lock import locked as write_lock

NAME = ".crmxl-sent.json"
FORMAT = "crmxl-sent/1"
#: Entries older than this are dropped when the record is written (it only has to cover
#: re-runs; a year keeps it small).
KEEP_DAYS = 400


@dataclass
class SentRecord:
    """The messages sent, by (as-of date, owner, channel)."""

    path: Path
    entries: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def beside(cls, workbook: Path) -> SentRecord:
        return cls.load(workbook.parent / NAME)

    @classmethod
    def load(cls, path: Path) -> SentRecord:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CrmxlError("sent-record-unreadable", path=path, detail=str(exc)) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CrmxlError("sent-record-unreadable", path=path, detail="unknown format")
        entries = [e for e in data.get("sent", []) if isinstance(e, dict)]
        return cls(path, entries)

    def has(self, as_of: date, owner: str | None, channel: str) -> dict[str, Any] | None:
        """The entry of a message already sent, if any."""
        key = (as_of.isoformat(), owner or "", channel)
        for entry in self.entries:
            if (entry.get("as_of"), entry.get("owner"), entry.get("channel")) == key:
                return entry
        return None

    def add(
        self, as_of: date, owner: str | None, channel: str, to: str, items: int, at: datetime
    ) -> None:
        """Record one message that went out, and write the record to disk at once."""
        self.entries.append(
            {
                "as_of": as_of.isoformat(),
                "owner": owner or "",
                "channel": channel,
                "to": to,
                "items": items,
                "sent_at": at.isoformat(sep=" ", timespec="seconds"),
            }
        )
        self.write(keep_since=as_of - timedelta(days=KEEP_DAYS))

    def write(self, keep_since: date | None = None) -> None:
        if keep_since is not None:
            since = keep_since.isoformat()
            self.entries = [e for e in self.entries if str(e.get("as_of", "")) >= since]
        text = json.dumps({"format": FORMAT, "sent": self.entries}, ensure_ascii=False, indent=1)
        try:
            tmp, fd = new_temp(self.path)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                    fh.flush()
                    sync_file(fh.fileno())
                replace_file(tmp, self.path)
            finally:
                remove_file(tmp)  # gone already when the replace was made
            sync_folder(self.path.parent)
        except OSError as exc:
            raise WriteRefusedError(
                "sent-record-write-failed", path=self.path, detail=exc.strerror or str(exc)
            ) from exc

    @contextlib.contextmanager
    def locked(self) -> Iterator[SentRecord]:
        """Hold the record's write lock (the OS lock crmxl takes on a workbook it writes) for a
        run of sends, the record read again under it."""
        with write_lock([self.path]):
            # what a run that held the lock before us recorded counts too
            self.entries = SentRecord.load(self.path).entries
            yield self


register(
    {
        "sent-record-unreadable": (
            "发送记录 {path} 无法读取（{detail}）；为避免重复发送，什么都没有发送。确认后可删除该文件",
            "The record of sent messages {path} cannot be read ({detail}); to send nothing "
            "twice, nothing was sent. Delete the file if you are sure",
        ),
        "sent-record-write-failed": (
            "无法写入发送记录 {path}：{detail}",
            "Cannot write the record of sent messages {path}: {detail}",
        ),
    }
)
