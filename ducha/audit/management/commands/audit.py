"""`ducha audit seal|verify|anchor`: the audit log's hash chain (ducha.audit.chain).

ducha audit seal                  # chain every unsealed event (the scheduler does it every round)
ducha audit verify                # recompute the chain; exit status 1 naming the first broken link
ducha audit anchor [--date D]     # anchor the head at the close of D (default yesterday; the scheduler does it
                                  # daily): a file in DUCHA_AUDIT_ANCHOR_DIR and an AUDIT_ANCHORED event
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ducha.audit.chain import BrokenLink, chain_anchor, chain_seal, chain_verify


def describe(link: BrokenLink) -> str:
    where = _("position %(seq)d") % {"seq": link.seq}
    if link.event_id is not None:
        where += ", " + _("event %(id)d") % {"id": link.event_id}
    reasons = {
        "changed": _("the event was changed after it was sealed"),
        "missing": _("no event holds this position: deleted"),
        "beyond-head": _("an event lies past the chain's head: inserted"),
        "head": _("the chain's head disagrees with the last link"),
        "anchor": _("an anchor disagrees with the chain"),
        "sealed-without-position": _("an event carries a hash but no position: inserted"),
    }
    text = f"{where}: {reasons.get(link.reason, link.reason)}"
    return f"{text} ({link.detail})" if link.detail else text


class Command(BaseCommand):
    help = "Seal, verify or anchor the audit log's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="seal|verify|anchor")
        seal = actions.add_parser("seal", help="chain every unsealed event")
        seal.add_argument("--batch", type=int, default=5000, help="events per transaction (default 5000)")
        verify = actions.add_parser("verify", help="recompute the chain; exit status 1 when a link is broken")
        verify.add_argument("--batch", type=int, default=5000, help="events read at a time (default 5000)")
        anchor = actions.add_parser("anchor", help="anchor the head at the close of a day")
        anchor.add_argument(
            "--date", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD (default yesterday)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "seal":
            started = time.monotonic()
            sealed = chain_seal(limit=max(1, options["batch"]))
            seconds = time.monotonic() - started
            self.stdout.write(
                _("%(count)d events sealed in %(seconds).1f s.") % {"count": sealed, "seconds": seconds}
            )
        elif action == "anchor":
            anchor = chain_anchor(day=options["date"])
            message = (
                _("Anchored %(date)s at position %(seq)d, hash %(hash)s: %(path)s")
                if anchor.created
                else _("%(date)s was anchored already at position %(seq)d, hash %(hash)s: %(path)s")
            )
            self.stdout.write(
                message % {"date": anchor.date, "seq": anchor.seq, "hash": anchor.hash, "path": anchor.path}
            )
        else:
            self._verify(batch=max(1, options["batch"]))

    def _verify(self, *, batch: int) -> None:
        result = chain_verify(batch=batch)
        self.stdout.write(
            _(
                "%(checked)d links checked; head at position %(seq)d, hash %(hash)s; %(anchors)d anchors checked."
            )
            % {
                "checked": result.checked,
                "seq": result.head_seq,
                "hash": result.head_hash,
                "anchors": result.anchors_checked,
            }
        )
        if result.archived:
            self.stdout.write(
                _(
                    "%(count)d positions are in archived years' partitions: gone over from their last link "
                    "(%(anchors)d anchors among them are checked when their year is attached again)."
                )
                % {"count": result.archived, "anchors": result.anchors_archived}
            )
        if result.unsealed:
            self.stdout.write(
                _("%(count)d events not sealed yet, %(stale)d of them for more than an hour.")
                % {"count": result.unsealed, "stale": result.unsealed_stale}
            )
        if result.unsealed_stale:
            self.stderr.write(_("Warning: is the scheduler running? `ducha audit seal` seals them."))
        for name in result.guards_missing:
            self.stderr.write(_("The database trigger %(name)s is missing or disabled.") % {"name": name})
        for link in result.broken:
            self.stderr.write(describe(link))
        if result.broken_count > len(result.broken):
            self.stderr.write(_("… %(count)d broken links in all.") % {"count": result.broken_count})
        first = result.first_broken
        if first is not None:
            raise CommandError(
                _("The audit chain is broken; first broken link: %(link)s") % {"link": describe(first)},
                returncode=1,
            )
        if result.guards_missing:
            raise CommandError(_("The audit log is not protected by the database."), returncode=1)
        self.stdout.write(self.style.SUCCESS(_("The audit chain is intact.")))
