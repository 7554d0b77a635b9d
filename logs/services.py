"""Writes to procedure logs, cases and credit plans.

Every path that sets a credit goes through `_recredit`, which credits a whole
case at once (the multiple-procedure rule ranks a case's lines together) with
the plan in force on its date; a log outside any case is a case of one.
"""

import datetime
import logging
import uuid

from django.db import IntegrityError, transaction

from codes.models import Code

from .bulk_credit import logs_recredit_in_bulk
from .credit import CreditError, Line, credit_case
from .models import Case, ProcedureLog
from .plans import CreditPlan, PlanAssignment, plan_in_force

logger = logging.getLogger(__name__)

# Fields whose change alters a credit.
CREDIT_INPUTS = ("code", "modifiers", "units", "performed_on", "setting", "case")
CREDIT_FIELDS = ["release", "fee_schedule_row", "credit_plan", "work_rvu", "credit_explanation", "updated_at"]


def _line_of(log: ProcedureLog) -> Line:
    return Line(code=log.code, modifiers=tuple(log.modifiers), units=log.units, setting=log.setting)


def _recredit(logs: list[ProcedureLog], *, user, performed_on: datetime.date) -> None:
    """Credit `logs` as one case, in entry order, setting their credit fields (not saving)."""
    plan = plan_in_force(user=user, day=performed_on)
    credits = credit_case(lines=[_line_of(log) for log in logs], performed_on=performed_on, plan=plan)
    for log, credit in zip(logs, credits, strict=True):
        log.release = credit.release
        log.fee_schedule_row = credit.row
        log.credit_plan = plan if plan.pk else None
        log.work_rvu = credit.work_rvu
        log.credit_explanation = credit.explanation[:1000]


def _case_lines(case: Case) -> list[ProcedureLog]:
    return list(case.lines.select_related("code").order_by("id"))


def case_recredit(*, case: Case) -> None:
    lines = _case_lines(case)
    if not lines:
        return
    _recredit(lines, user=case.user, performed_on=case.performed_on)
    ProcedureLog.objects.bulk_update(lines, CREDIT_FIELDS)


def _recredit_group(*, case: Case | None, log: ProcedureLog | None) -> None:
    if case is not None:
        case_recredit(case=Case.objects.select_for_update().get(pk=case.pk))
    elif log is not None:
        _recredit([log], user=log.user, performed_on=log.performed_on)
        log.save(update_fields=CREDIT_FIELDS)


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
    case: Case | None = None,
) -> tuple[ProcedureLog, bool]:
    """Create a log, or return the one this user already made with `client_id`.

    Returns (log, created). A phone that lost the response retries with the same
    client_id, so a second call must not count the procedure twice, even when
    both calls arrive at the same moment: the unique constraint decides.
    """
    existing = ProcedureLog.objects.filter(user=user, client_id=client_id).first()
    if existing:
        return existing, False
    log = ProcedureLog(
        user=user,
        client_id=client_id,
        performed_on=case.performed_on if case else performed_on,
        code=code,
        modifiers=modifiers,
        units=units,
        setting=setting,
        note=note,
        case=case,
    )
    try:
        with transaction.atomic():
            others = _case_lines(Case.objects.select_for_update().get(pk=case.pk)) if case else []
            _recredit([*others, log], user=user, performed_on=log.performed_on)
            log.save()
            ProcedureLog.objects.bulk_update(others, CREDIT_FIELDS)
    except IntegrityError:
        existing = ProcedureLog.objects.filter(user=user, client_id=client_id).first()
        if existing is None:
            raise
        return existing, False
    logger.info("Procedure log %s created for user %s: %s", log.pk, user.pk, log.credit_explanation)
    return log, True


def procedure_log_matches(log: ProcedureLog, fields: dict) -> bool:
    """Whether `fields` describe `log`: a retry of the same upload, not a new log."""
    case = fields.get("case")
    return (
        log.code_id == fields["code"].code
        and log.performed_on == (case.performed_on if case else fields["performed_on"])
        and log.modifiers == fields["modifiers"]
        and log.units == fields["units"]
        and log.setting == fields["setting"]
        and log.note == fields["note"]
        and log.case_id == (case.pk if case else None)
    )


def case_matches(case: Case, fields: dict) -> bool:
    """Whether `fields` describe `case`: a retried upload, not a different case."""
    wanted = [
        (line["code"].code, list(line.get("modifiers", [])), line.get("units", 1)) for line in fields["lines"]
    ]
    held = [(log.code_id, log.modifiers, log.units) for log in case.lines.order_by("id")]
    return (
        case.performed_on == fields["performed_on"] and case.setting == fields["setting"] and held == wanted
    )


def procedure_log_update(*, log: ProcedureLog, changes: dict) -> ProcedureLog:
    """Apply field changes; re-credit the case(s) the change touches.

    The row is locked first: an update racing a delete must not write the log
    back (a plain save() would INSERT a row it no longer finds). Raises
    ProcedureLog.DoesNotExist when the log was deleted meanwhile. Moving a line
    into a case gives it the case's date.
    """
    with transaction.atomic():
        log = (
            ProcedureLog.objects.select_for_update(of=("self",)).select_related("case", "code").get(pk=log.pk)
        )
        old_case = log.case
        for field, value in changes.items():
            setattr(log, field, value)
        if log.case is not None:
            log.performed_on = log.case.performed_on
        log.save(force_update=True)
        if any(field in changes for field in CREDIT_INPUTS):
            _recredit_group(case=log.case, log=log)
            if old_case is not None and old_case != log.case:
                _recredit_group(case=old_case, log=None)
    log.refresh_from_db()
    logger.info("Procedure log %s updated: %s", log.pk, ", ".join(sorted(changes)) or "no fields")
    return log


def procedure_log_delete(*, log: ProcedureLog) -> None:
    log_id, case = log.pk, log.case
    with transaction.atomic():
        log.delete()
        if case is not None:
            _recredit_group(case=case, log=None)
    logger.info("Procedure log %s deleted", log_id)


def case_create(
    *, user, client_id: uuid.UUID, performed_on: datetime.date, setting: str, note: str, lines: list[dict]
) -> tuple[Case, bool]:
    """Create a case with its lines in one go, credited together; idempotent on client_id."""
    existing = Case.objects.filter(user=user, client_id=client_id).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            case = Case.objects.create(
                user=user, client_id=client_id, performed_on=performed_on, setting=setting, note=note
            )
            logs = [
                ProcedureLog(
                    user=user,
                    case=case,
                    client_id=line.get("client_id") or uuid.uuid4(),
                    performed_on=performed_on,
                    code=line["code"],
                    modifiers=line.get("modifiers", []),
                    units=line.get("units", 1),
                    setting=setting,
                    note=line.get("note", ""),
                )
                for line in lines
            ]
            _recredit(logs, user=user, performed_on=performed_on)
            ProcedureLog.objects.bulk_create(logs)
    except IntegrityError:
        existing = Case.objects.filter(user=user, client_id=client_id).first()
        if existing is None:
            raise CreditError("lines", "A line's client_id is already used by another log.") from None
        return existing, False
    logger.info("Case %s created for user %s with %d lines", case.pk, user.pk, len(logs))
    return case, True


def wrvu_preview(*, user, performed_on: datetime.date, lines: list[Line], plan: CreditPlan | None):
    """Credit lines as one case without saving: what the same lines would earn as logs."""
    chosen = plan or plan_in_force(user=user, day=performed_on)
    return chosen, credit_case(lines=lines, performed_on=performed_on, plan=chosen)


def _logs_governed_by_assignment(*, user, starts_on: datetime.date):
    """The user's logs from `starts_on` up to (not including) their next assignment's start."""
    next_start = (
        PlanAssignment.objects.filter(user=user, starts_on__gt=starts_on)
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )
    logs = ProcedureLog.objects.filter(user=user, performed_on__gte=starts_on)
    return logs.filter(performed_on__lt=next_start) if next_start else logs


def credit_plan_assign(*, user, plan: CreditPlan, starts_on: datetime.date) -> PlanAssignment:
    """Put `plan` in force from `starts_on`; re-credit the logs of the dates it now covers."""
    with transaction.atomic():
        assignment, _ = PlanAssignment.objects.update_or_create(
            user=user, starts_on=starts_on, defaults={"plan": plan}
        )
        count = logs_recredit_in_bulk(logs=_logs_governed_by_assignment(user=user, starts_on=starts_on))
    logger.info(
        "Plan %s in force for user %s from %s; %d logs credited anew", plan.pk, user.pk, starts_on, count
    )
    return assignment


def credit_plan_unassign(*, assignment: PlanAssignment) -> None:
    """Withdraw an assignment; its dates fall back to the plan before it (or the CMS rules)."""
    user, starts_on = assignment.user, assignment.starts_on
    with transaction.atomic():
        assignment.delete()
        count = logs_recredit_in_bulk(logs=_logs_governed_by_assignment(user=user, starts_on=starts_on))
    logger.info(
        "Plan assignment from %s withdrawn for user %s; %d logs credited anew", starts_on, user.pk, count
    )


def credit_plan_changed(*, plan: CreditPlan) -> None:
    """After a plan's switches or shares change, re-credit every log it credits, in the
    workers once this transaction commits (right away when no broker is configured)."""
    from .tasks import queue_plan_recompute  # tasks import this module's neighbours

    transaction.on_commit(lambda: queue_plan_recompute(plan))


def recredit_logs(*, logs) -> int:
    """Re-credit the cases and lone logs among `logs`, each case as a whole."""
    lone: list[ProcedureLog] = []
    case_ids: set[int] = set()
    for log in logs.select_related("code", "user"):
        if log.case_id:
            case_ids.add(log.case_id)
        else:
            lone.append(log)
    for case in Case.objects.select_for_update().filter(pk__in=case_ids).select_related("user"):
        case_recredit(case=case)
    for log in lone:
        _recredit([log], user=log.user, performed_on=log.performed_on)
    ProcedureLog.objects.bulk_update(lone, CREDIT_FIELDS)
    return len(lone) + ProcedureLog.objects.filter(case_id__in=case_ids).count()
