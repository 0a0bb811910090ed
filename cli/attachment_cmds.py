"""check-attachments [--quarantine] [--to DIR]: every stored attachment re-checked as an upload is today.

Reports each file that an upload would now refuse (a fake PDF, a broken image, a PDF with scripts) or
store only rewritten (bytes after the image's end, EXIF/GPS, a wrong type or an unsafe name). Exit 1
when it finds one. With ``--quarantine`` it acts: a refused file is moved out of the database into the
quarantine folder, a rewritable one is replaced by its rewrite (its original kept in the folder too);
exit 0 once done. One transaction per file, so a run stopped half-way keeps what it did."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import EXIT_OK, EXIT_REJECTED, cli_language, msg, session
from config import load_settings
from domain.actor import SYSTEM
from locales import translate

if TYPE_CHECKING:
    from services import attachments


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check-attachments", help="re-check every stored attachment as uploads are checked today; report or quarantine"
    )
    p.add_argument(
        "--quarantine",
        action="store_true",
        help="move failing files out of the database into the quarantine folder and rewrite the rewritable ones",
    )
    p.add_argument("--to", type=Path, default=None, help="the quarantine folder (default: data/quarantine)")
    p.set_defaults(func=cmd_check_attachments)


def _reasons(check: attachments.StoredCheck) -> str:
    params = {"field": msg("attachments.check.field"), "kinds": "", "name": check.filename, **check.params}
    return ("; " if cli_language() == "en" else "；").join(msg(key, **params) for key in check.reasons)


def _owner(check: attachments.StoredCheck) -> str:
    return f"{translate(cli_language(), 'enum.AttachmentOwner.' + check.owner_type)} {check.owner_id or ''}".strip()


def _keep(folder: Path, check: attachments.StoredCheck, original: bytes) -> Path:
    """The stored bytes, as they were, beside a note of what they were."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"attachment-{check.id}.bin"
    path.write_bytes(original)
    note = {
        "id": check.id,
        "owner_type": check.owner_type,
        "owner_id": check.owner_id,
        "filename": check.filename,
        "mime_type": check.mime_type,
        "size": check.size,
        "verdict": check.verdict,
        "reasons": list(check.reasons),
    }
    (folder / f"attachment-{check.id}.json").write_text(json.dumps(note, ensure_ascii=False, indent=2), "utf-8")
    return path


def cmd_check_attachments(args: argparse.Namespace) -> int:
    from services import attachments

    folder: Path = args.to or (load_settings().data_dir / "quarantine")
    with session() as s:
        ids = attachments.stored_attachment_ids(s)
    counts = {"ok": 0, "rewrite": 0, "refuse": 0}
    for attachment_id in ids:
        if args.quarantine:
            with session(write=True) as s:
                check, original = attachments.quarantine_attachment(s, SYSTEM, attachment_id=attachment_id)
                if check.verdict != "ok":
                    # written before the commit: a file is never gone from both places
                    path = _keep(folder, check, original)
        else:
            with session() as s:
                check = attachments.check_stored_attachment(s, attachment_id)
        counts[check.verdict] += 1
        fields = {"id": check.id, "owner": _owner(check), "name": check.filename, "reasons": _reasons(check)}
        if check.verdict == "ok":
            continue
        if args.quarantine:
            key = "attachments.cli.quarantined_line" if check.verdict == "refuse" else "attachments.cli.rewritten_line"
            print(msg(key, path=str(path), **fields))
        else:
            key = "attachments.cli.refuse_line" if check.verdict == "refuse" else "attachments.cli.rewrite_line"
            print(msg(key, **fields))
    total = sum(counts.values())
    if args.quarantine:
        print(msg("attachments.cli.summary_quarantine", total=total, path=str(folder), **counts))
        return EXIT_OK
    print(msg("attachments.cli.summary", total=total, **counts))
    if counts["rewrite"] or counts["refuse"]:
        print(msg("attachments.cli.hint"))
        return EXIT_REJECTED
    return EXIT_OK
