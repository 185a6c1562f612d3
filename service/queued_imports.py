"""The lists admins send from the console, imported by the worker (a long list never hangs on
a web request): each taken by one worker at a time under a lease, finished only by the worker
holding the latest take, audited; a failed one ends and drops its file, and an upload left at
the preview is erased after a day."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from service.audit import record_audit
from service.importing import ImportReport, import_subscribers, read_csv
from service.models import ImportStatus, Organisation, StaffUser, SubscriberImport
from service.types import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)  # an import whose worker died is taken again after this


KEPT = timedelta(days=1)  # a file uploaded and never imported is erased after this


def run_queued_imports(session: Session, *, now: datetime) -> int:
    """Import the lists that admins sent from the console, one at a time. Each is taken with a
    conditional UPDATE that raises its `taken` count, imported in one transaction with its
    audit record, and finished only by the worker holding the latest take: a worker slow
    enough that its lease ran out and another took the list over throws its work away, so
    each parent is brought in, and told, once. Returns how many."""
    done = 0
    while (taken := _take_import(session)) is not None:
        upload_id, take = taken
        upload = session.get_one(SubscriberImport, upload_id)
        organisation = session.get_one(Organisation, upload.organisation_id)
        try:
            report = import_subscribers(
                session,
                organisation,
                read_csv(upload.data),
                mapping=upload.mapping,
                now=now,
                dry_run=False,
            )
        except Exception as error:
            session.rollback()
            _fail_import(session, upload_id, take, error)
            continue
        if not _finish_import(session, upload_id, take, report.counts()):
            session.rollback()
            log.warning(
                "import %d was taken over by another worker; this one's work dropped", upload_id
            )
            continue
        staff = session.get(StaffUser, upload.staff_user_id) if upload.staff_user_id else None
        record_import(
            session, organisation, report, staff=staff, by="console", file=upload.filename
        )
        session.commit()
        done += 1
    return done


def _take_import(session: Session) -> tuple[int, int] | None:
    """The next list to import (queued, or left running by a worker whose lease ran out), and
    this take's number; None when there is none."""
    while True:
        started = utcnow()  # the clock now, not the tick's: a lease counts from the take
        takeable = or_(
            col(SubscriberImport.status) == ImportStatus.QUEUED,
            (col(SubscriberImport.status) == ImportStatus.RUNNING)
            & (col(SubscriberImport.started_at) < started - LEASE),
        )
        queued = session.exec(
            select(SubscriberImport.id).where(takeable).order_by(col(SubscriberImport.id)).limit(1)
        ).first()
        if queued is None:
            return None
        taken = session.execute(
            update(SubscriberImport)
            .where(col(SubscriberImport.id) == queued, takeable)
            .values(
                status=ImportStatus.RUNNING,
                started_at=started,
                taken=col(SubscriberImport.taken) + 1,
            )
        )
        session.commit()
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return queued, session.get_one(SubscriberImport, queued, populate_existing=True).taken


def _finish_import(session: Session, upload_id: int, take: int, report: dict[str, Any]) -> bool:
    finished = session.execute(
        update(SubscriberImport)
        .where(
            col(SubscriberImport.id) == upload_id,
            col(SubscriberImport.status) == ImportStatus.RUNNING,
            col(SubscriberImport.taken) == take,
        )
        .values(
            status=ImportStatus.DONE,
            finished_at=utcnow(),
            report=report,
            data=b"",  # the addresses are in their rows now, or were not to be imported
        ),
        execution_options={"synchronize_session": False},
    )
    return finished.rowcount == 1  # type: ignore[attr-defined]


def _fail_import(session: Session, upload_id: int, take: int, error: Exception) -> None:
    """It cannot be imported: it ends, and its file (addresses) goes at once."""
    reason = str(error) if isinstance(error, ValueError) else "取り込み中にエラーが起きました"
    log.error("import %d failed: %s", upload_id, type(error).__name__)
    session.execute(
        update(SubscriberImport)
        .where(col(SubscriberImport.id) == upload_id, col(SubscriberImport.taken) == take)
        .values(
            status=ImportStatus.FAILED,
            finished_at=utcnow(),
            report={"error": reason},
            data=b"",
        ),
        execution_options={"synchronize_session": False},
    )
    session.commit()


def drop_stale_uploads(session: Session, *, now: datetime) -> int:
    """Erase the files uploaded to the console and left at the preview: they hold addresses."""
    stale = session.exec(
        select(SubscriberImport).where(
            SubscriberImport.status == ImportStatus.PREVIEW,
            col(SubscriberImport.created_at) < now - KEPT,
        )
    ).all()
    for upload in stale:
        session.delete(upload)
    return len(stale)


def record_import(
    session: Session,
    organisation: Organisation,
    report: ImportReport,
    *,
    staff: StaffUser | None,
    by: str,
    file: str = "",
) -> None:
    """The audit record of an import: counts only, never an address."""
    record_audit(
        session,
        staff=staff,  # type: ignore[arg-type]
        organisation_id=organisation.id,
        action="subscribers.import",
        target=f"organisation:{organisation.id}",
        after={
            "by": by,
            **({"file": file} if file else {}),
            "new": report.new,
            "already_here": report.existing,
            "suppressed": report.suppressed,
            "invalid": len(report.invalid),
        },
    )
