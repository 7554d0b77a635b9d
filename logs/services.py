"""Writes to procedure logs. Every path that sets a credit goes through credit_for."""

import datetime
import logging
import uuid

from django.db import IntegrityError, transaction

from codes.models import Code

from .credit import credit_for
from .models import ProcedureLog

logger = logging.getLogger(__name__)

# Fields whose change alters the credit.
CREDIT_INPUTS = ("code", "modifiers", "units", "performed_on")


def procedure_log_create(
    *,
    user,
    client_id: uuid.UUID,
    performed_on: datetime.date,
    code: Code,
    modifiers: list[str],
    units: int,
    setting: str,
    note: str,
) -> tuple[ProcedureLog, bool]:
    """Create a log, or return the one this user already made with `client_id`.

    Returns (log, created). A phone that lost the response retries with the same
    client_id, so a second call must not count the procedure twice, even when
    both calls arrive at the same moment: the unique constraint decides.
    """
    existing = ProcedureLog.objects.filter(user=user, client_id=client_id).first()
    if existing:
        return existing, False

    credit = credit_for(code=code, modifiers=modifiers, units=units, performed_on=performed_on)
    log = ProcedureLog(
        user=user,
        client_id=client_id,
        performed_on=performed_on,
        code=code,
        modifiers=modifiers,
        units=units,
        setting=setting,
        note=note,
    )
    _apply_credit(log, credit)
    try:
        with transaction.atomic():
            log.save()
    except IntegrityError:
        existing = ProcedureLog.objects.filter(user=user, client_id=client_id).first()
        if existing is None:
            raise
        return existing, False
    logger.info("Procedure log %s created for user %s: %s", log.pk, user.pk, credit.explanation)
    return log, True


def procedure_log_matches(log: ProcedureLog, fields: dict) -> bool:
    """Whether `fields` describe `log`: a retry of the same upload, not a new log."""
    return (
        log.code_id == fields["code"].code
        and log.performed_on == fields["performed_on"]
        and log.modifiers == fields["modifiers"]
        and log.units == fields["units"]
        and log.setting == fields["setting"]
        and log.note == fields["note"]
    )


def procedure_log_update(*, log: ProcedureLog, changes: dict) -> ProcedureLog:
    """Apply field changes; re-credit when an input of the credit changed.

    The row is locked first: an update racing a delete must not write the log
    back (a plain save() would INSERT a row it no longer finds). Raises
    ProcedureLog.DoesNotExist when the log was deleted meanwhile.
    """
    with transaction.atomic():
        log = ProcedureLog.objects.select_for_update().get(pk=log.pk)
        for field, value in changes.items():
            setattr(log, field, value)
        if any(field in changes for field in CREDIT_INPUTS):
            credit = credit_for(
                code=log.code, modifiers=log.modifiers, units=log.units, performed_on=log.performed_on
            )
            _apply_credit(log, credit)
        log.save(force_update=True)
    logger.info("Procedure log %s updated: %s", log.pk, ", ".join(sorted(changes)) or "no fields")
    return log


def procedure_log_delete(*, log: ProcedureLog) -> None:
    log_id = log.pk
    log.delete()
    logger.info("Procedure log %s deleted", log_id)


def _apply_credit(log: ProcedureLog, credit) -> None:
    log.release = credit.release
    log.fee_schedule_row = credit.row
    log.work_rvu = credit.work_rvu
    log.credit_explanation = credit.explanation
