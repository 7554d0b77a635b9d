"""Reads of the code catalog: search, and a code's rows in the release in effect."""

import datetime
import re

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Length

from .models import PAID_STATUS_CODES, Code, FeeScheduleRow, HcpcsCode, Release, words_for_search

SEARCH_TOKEN = re.compile(r"[0-9A-Za-z]+")
MAX_SEARCH_TOKENS = 12


class Rank:
    """Search ranks, best first."""

    EXACT_CODE = 0
    CODE_PREFIX = 1
    DESCRIPTION_STARTS_WITH_PHRASE = 2
    DESCRIPTION_HAS_PHRASE = 3
    DESCRIPTION_HAS_WORDS = 4


def code_search(*, query: str, release: Release | None) -> QuerySet[Code]:
    """Codes matching a code, a code prefix ("2744") or words ("knee arthroplasty").

    Every word must match, either as the start of the code or inside the
    description (for a HCPCS code, its short or long one), or the synonyms and
    plain-language line editors wrote for it. Exact codes come first, then code
    prefixes in code order, then description matches: codes that earn work RVUs
    Medicare pays (status A, R, T, work above 0) before the rest, and within each, descriptions starting with
    the phrase, then holding it, then holding its words; shortest (most specific)
    description first.
    """
    tokens = SEARCH_TOKEN.findall(query)[:MAX_SEARCH_TOKENS]
    codes = with_current_values(Code.objects.all(), release)
    if not tokens:
        return codes.none()
    for token in tokens:
        word = f" {token.lower()}"
        # HCPCS codes are found by the words of their long description too, which outgrows
        # Code.search_text (S9381 is "Hit high risk/escort" there, "…extra protection…" here).
        codes = codes.filter(
            Q(code__startswith=token.upper())
            | Q(search_text__contains=word)
            | Q(hcpcs__search_text__contains=word)
            | Q(curated__search_text__contains=word)  # synonyms ("TKA") and the plain-language line
        )
    phrase = words_for_search(query)
    code_like = tokens[0].upper()
    codes = codes.annotate(
        rank=Case(
            When(code=code_like, then=Value(Rank.EXACT_CODE)),
            When(code__startswith=code_like, then=Value(Rank.CODE_PREFIX)),
            When(search_text__startswith=phrase.rstrip(), then=Value(Rank.DESCRIPTION_STARTS_WITH_PHRASE)),
            When(search_text__contains=phrase.rstrip(), then=Value(Rank.DESCRIPTION_HAS_PHRASE)),
            When(hcpcs__search_text__contains=phrase.rstrip(), then=Value(Rank.DESCRIPTION_HAS_PHRASE)),
            When(curated__search_text__contains=phrase.rstrip(), then=Value(Rank.DESCRIPTION_HAS_PHRASE)),
            default=Value(Rank.DESCRIPTION_HAS_WORDS),
            output_field=IntegerField(),
        ),
        unpaid=Case(
            When(rank__lte=Rank.CODE_PREFIX, then=Value(0)),
            When(status_code__in=PAID_STATUS_CODES, work_rvu__gt=0, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        specificity=Case(
            When(rank__lte=Rank.CODE_PREFIX, then=Value(0)),
            default=Length("description"),
            output_field=IntegerField(),
        ),
    )
    # Codes by code first; among description matches, codes Medicare pays before the rest, then
    # the closer match: "office visit" should not open with a dental or a private-payer code.
    return codes.order_by(
        Case(When(rank__lte=Rank.CODE_PREFIX, then=Value(0)), default=Value(1)),
        "unpaid",
        "rank",
        "specificity",
        "code",
    )


def with_current_values(codes: QuerySet[Code], release: Release | None) -> QuerySet[Code]:
    """Annotate each code with its global row's work RVU and status in `release`."""
    if release is None:
        return codes.annotate(
            work_rvu=Value(None, output_field=DecimalField()),
            status_code=Value(None, output_field=CharField()),
            release=Value(None, output_field=CharField()),
        )
    global_row = FeeScheduleRow.objects.filter(release=release, code=OuterRef("code"), modifier="")
    return codes.annotate(
        work_rvu=Subquery(global_row.values("work_rvu")[:1]),
        status_code=Subquery(global_row.values("status_code")[:1]),
        release=Value(release.name, output_field=CharField()),
    )


def code_rows_on(*, code: Code, day: datetime.date) -> tuple[Release | None, list[FeeScheduleRow]]:
    """The release in effect on `day` and the code's rows in it (global row first)."""
    release = Release.objects.in_effect_on(day)
    if release is None:
        return None, []
    rows = list(FeeScheduleRow.objects.filter(release=release, code=code).order_by("modifier"))
    return release, rows


def find_code(text: str) -> Code | None:
    return Code.objects.filter(code=text.strip().upper()).first()


def hcpcs_details(code: Code) -> HcpcsCode | None:
    """What the newest HCPCS file says of the code, if any lists it."""
    return HcpcsCode.objects.select_related("file").filter(code=code).first()
