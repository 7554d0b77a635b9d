"""Writes of benchmark sets: built from the CMS provider-and-service file, or imported from a licensed table.

Either way a set and its points are written in one transaction, or not at all, and a set is
never changed afterwards: a new version is a new set, so a comparison made against one stays
reproducible.
"""

import logging
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from accounts.audit import Action, audit_record
from codes.importing.sources import read_upload_bytes
from codes.models import PAID_STATUS_CODES, FeeScheduleRow, Release

from . import bundled
from .importing.errors import BenchmarkFileError, BenchmarkSetError
from .importing.layouts import SourceFile, inspect_source_file
from .importing.licensed import MAX_BYTES, LicensedRow, read_licensed_table
from .importing.percentiles import PUBLISHED_PERCENTILES
from .importing.puf import MIN_PROVIDERS, ProgressCallback, PufBuild, WorkRvu, puf_percentiles
from .models import BenchmarkCodeUse, BenchmarkPoint, BenchmarkSet

logger = logging.getLogger(__name__)

PUF_SOURCE = "CMS Medicare Physician & Other Practitioners – by Provider and Service"
PUF_CITATION = (
    "Centers for Medicare & Medicaid Services. Medicare Physician & Other Practitioners – by Provider "
    "and Service, data year {year}. data.cms.gov."
)
FIRST_DATA_YEAR, LAST_DATA_YEAR = 1992, 2100  # RBRVS work RVUs date from 1992
CENT = Decimal("0.01")
PUBLIC_DATA_LICENCE = "Public data of the US federal government (CMS). CPT codes are copyright the AMA."


@dataclass
class BuildResult:
    benchmark_set: BenchmarkSet
    build: PufBuild | None  # None when the set was already there
    created: bool
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        found = self.benchmark_set
        if self.build is None:
            return f"{found.name} ({found.slug}) is already built; nothing changed."
        build = self.build
        done = "Dry run, nothing was written" if self.dry_run else "Built"
        valued = "" if build.release_name in found.name else f", valued at {build.release_name}"
        lines = [
            f"{done}: {found.name} ({found.slug}){valued}, in {self.seconds:.1f} s"
            + (" (the default set)" if found.is_default else ""),
            f"  {build.rows_read:,} rows read, {build.rows_counted:,} counted; {len(build.published)} "
            f"specialties published, {build.providers_published:,} providers.",
        ]
        if build.skipped:
            lines.append("  Rows not counted:")
            lines += [
                f"    {item.rows:>12,} rows of {item.providers:,} providers: {build.reason_text(item.reason)}"
                for item in build.skipped
            ]
        if build.providers_without_counted_rows:
            lines.append(
                f"  Providers left out, none of their rows counted: {build.providers_without_counted_rows:,}"
            )
        if build.unpublished:
            names = ", ".join(f"{name} ({count})" for name, count in build.unpublished.items())
            lines.append(f"  Not published, fewer than {MIN_PROVIDERS} providers: {names}")
        if build.not_profile_specialties:
            names = ", ".join(build.not_profile_specialties)
            lines.append(f"  Published under the file's name, which no profile specialty matches: {names}")
        return "\n".join(lines)


def benchmark_set_build(
    *,
    paths: list[Path],
    release: Release,
    name: str,
    year: int,
    slug: str = "",
    source: str = PUF_SOURCE,
    citation: str = "",
    licence_note: str = PUBLIC_DATA_LICENCE,
    method_note: str = "",
    make_default: bool = False,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Build a set from provider-and-service files, valuing their services at `release`.

    Raises BenchmarkFileError for a file that cannot be read, BenchmarkSetError when the slug is
    taken or no specialty has enough providers to publish. Nothing is written in either case.
    """
    started = time.monotonic()
    slug = slug or slugify(name)
    _refuse_odd_year(year)
    _refuse_taken_slug(slug)
    files = [inspect_source_file(Path(path)) for path in paths]  # a wrong file fails before the long read
    build = puf_percentiles(
        files=files, work_rvus=_work_rvus_per_code(release), release_name=release.name, progress=progress
    )
    if not build.published:
        raise BenchmarkSetError(
            f"no specialty has {MIN_PROVIDERS} providers with a counted service; nothing to publish"
        )
    benchmark_set = BenchmarkSet(
        name=name,
        slug=slug,
        kind=BenchmarkSet.Kind.PUBLIC_DATA,
        source=source,
        year=year,
        release=release,
        method=_puf_method(release, files, method_note),
        citation=citation or PUF_CITATION.format(year=year),
        licence_note=licence_note,
        source_files="\n".join(source.name for source in files),
        build_report=build.report(),
    )
    points = [
        BenchmarkPoint(
            specialty=point.specialty, provider_count=point.provider_count, **_fields(point.percentiles)
        )
        for point in build.published
    ]
    uses = [
        BenchmarkCodeUse(
            code=use.code,
            specialty=use.specialty,
            services=use.services.quantize(CENT),
            providers=use.providers,
        )
        for use in build.code_uses
    ]
    if not dry_run:
        _save(benchmark_set, points, make_default=make_default, code_uses=uses)
    result = BuildResult(benchmark_set, build, created=not dry_run, dry_run=dry_run)
    result.seconds = time.monotonic() - started
    logger.info(
        "Benchmark set %s %s from %d files at %s: %d rows read, %d counted, %d specialties, %.1f s",
        slug, "computed (dry run)" if dry_run else "built", len(files), release.name, build.rows_read,
        build.rows_counted, len(points), result.seconds,
    )  # fmt: skip
    return result


def benchmark_set_build_bundled(*, progress: ProgressCallback | None = None) -> BuildResult:
    """Build the demo set from data/benchmarks/ once; a later call finds it and changes nothing."""
    spec = bundled.SAMPLE_SET
    existing = BenchmarkSet.objects.filter(slug=spec["slug"]).first()
    if existing:
        return BuildResult(existing, None, created=False)
    release = Release.objects.filter(name=bundled.SAMPLE_RELEASE).first()
    if release is None:
        raise BenchmarkSetError(
            f"{bundled.SAMPLE_RELEASE} is not imported; run manage.py import_bundled_releases first"
        )
    return benchmark_set_build(paths=bundled.sample_paths(), release=release, progress=progress, **spec)


def _work_rvus_per_code(release: Release) -> list[WorkRvu]:
    """The work RVU that values each code's services, which the file lists without modifiers.

    The global row's, as a rule. Where the global row pays no work (carrier priced, status C, or
    excluded, X: imaging and pathology done in facilities) but the professional component row (26)
    does, a physician can only have billed that component, so its row stands in.
    """
    rows = FeeScheduleRow.objects.filter(release=release, modifier__in=["", "26"]).values_list(
        "code_id", "modifier", "work_rvu", "status_code"
    )
    by_code: dict[str, dict[str, WorkRvu]] = {}
    for code, modifier, work_rvu, status in rows:
        by_code.setdefault(code, {})[modifier] = WorkRvu(code, work_rvu, status in PAID_STATUS_CODES)
    return [_valuing_row(rows_of_code) for rows_of_code in by_code.values() if "" in rows_of_code]


def _valuing_row(rows_of_code: dict[str, WorkRvu]) -> WorkRvu:
    glob, professional = rows_of_code[""], rows_of_code.get("26")
    if _pays_work(glob) or professional is None or not _pays_work(professional):
        return glob
    return professional


def _pays_work(row: WorkRvu) -> bool:
    return row.paid and row.work_rvu > 0


def _puf_method(release: Release, files: list[SourceFile], note: str) -> str:
    """The set's method, in words a reader of the comparison can check."""
    paid = ", ".join(sorted(PAID_STATUS_CODES))
    layouts = "; ".join(sorted({source.layout.name for source in files}))
    if all(source.layout.entity for source in files):
        individuals = "Only individual providers (entity code I) are counted."
    else:
        individuals = "A file without an entity column cannot tell organisations from individuals: all count."
    sentences = [
        f"Annual work RVUs per provider from Medicare Part B fee-for-service claim volume ({layouts}).",
        f"Each row's service count is multiplied by its code's work RVU in {release.name}, and the products "
        "are summed per provider (NPI and provider type); a code printed twice for one provider (office and "
        "facility) counts twice.",
        "The file has no modifier column, so the global row (modifier blank) values every service: for codes "
        "split into professional (26) and technical (TC) components its work RVU is the professional "
        "component's, since the technical component carries no work. Where the global row pays no work "
        "(carrier priced or excluded) but the 26 row does, as for some imaging and pathology, the 26 row's "
        "work RVU values the service.",
        f"Counted are codes with a status Medicare pays ({paid}) and a work RVU above 0; rows of other codes "
        f"and of codes {release.name} does not list are reported as skipped (anesthesia, status J, is paid "
        "in base units, has no work RVU and is not counted).",
        f"{individuals} A provider none of whose rows counted is left out.",
        "Percentiles over each specialty's providers: linear interpolation between order statistics "
        "(Hyndman and Fan type 7, as numpy's percentile and DuckDB's quantile_cont), computed in exact "
        "decimals and rounded half up to 0.01.",
        f"Specialties with fewer than {MIN_PROVIDERS} providers are not published.",
        "CMS leaves out every row with fewer than 11 beneficiaries, so totals undercount; and they measure "
        "Medicare volume only, not a physician's whole practice.",
    ]
    return " ".join([*sentences, note]).strip()


def _fields(percentiles: dict[int, Decimal]) -> dict[str, Decimal]:
    return {f"p{percentile}": percentiles[percentile] for percentile in PUBLISHED_PERCENTILES}


def _refuse_odd_year(year: int) -> None:
    if not FIRST_DATA_YEAR <= year <= LAST_DATA_YEAR:
        raise BenchmarkSetError(
            f"{year} is not a year of Medicare or survey data ({FIRST_DATA_YEAR}-{LAST_DATA_YEAR})"
        )


def _refuse_taken_slug(slug: str) -> None:
    if not slug:
        raise BenchmarkSetError("the set needs a name with letters or digits")
    if held := BenchmarkSet.objects.filter(slug=slug).first():
        raise BenchmarkSetError(
            f"a set {slug!r} already exists ({held.name}, {held.created_at:%Y-%m-%d}); sets are never "
            "rebuilt in place: give the new version its own --name or --slug"
        )


def _save(
    benchmark_set: BenchmarkSet,
    points: list[BenchmarkPoint],
    *,
    make_default: bool,
    code_uses: list[BenchmarkCodeUse] | None = None,
) -> None:
    """Write the set and its points at once; the first set ever written becomes the default."""
    try:
        with transaction.atomic():
            current = BenchmarkSet.objects.select_for_update().filter(is_default=True).first()
            benchmark_set.is_default = make_default or current is None
            if benchmark_set.is_default and current:
                current.is_default = False
                current.save(update_fields=["is_default"])
            benchmark_set.save(force_insert=True)
            for point in points:
                point.benchmark_set = benchmark_set
            BenchmarkPoint.objects.bulk_create(points)
            for use in code_uses or []:
                use.benchmark_set = benchmark_set
            BenchmarkCodeUse.objects.bulk_create(code_uses or [], batch_size=5000)
            audit_record(
                action=Action.BENCHMARK_SET_ADDED,
                slug=benchmark_set.slug,
                kind=str(benchmark_set.kind),
                files=benchmark_set.source_files,
                specialties=len(points),
                is_default=benchmark_set.is_default,
            )
    except IntegrityError:
        # A concurrent write took the slug (or the file) first; say so, as the early check would have.
        _refuse_taken_slug(benchmark_set.slug)
        raise


def benchmark_set_make_default(*, benchmark_set: BenchmarkSet, request=None) -> BenchmarkSet:
    with transaction.atomic():
        BenchmarkSet.objects.select_for_update().filter(is_default=True).exclude(pk=benchmark_set.pk).update(
            is_default=False
        )
        benchmark_set.is_default = True
        benchmark_set.save(update_fields=["is_default"])
        audit_record(action=Action.BENCHMARK_DEFAULT, request=request, slug=benchmark_set.slug)
    logger.info("Benchmark set %s is now the default", benchmark_set.slug)
    return benchmark_set


@dataclass
class LicensedImportResult:
    benchmark_set: BenchmarkSet
    created: bool
    dry_run: bool = False

    @property
    def summary(self) -> str:
        found = self.benchmark_set
        if self.dry_run:
            return f"Checked {found.source_files}: every row passed. Dry run: nothing was written."
        if not self.created:
            return (
                f"{found.source_files} was already imported as {found.name} ({found.slug}); nothing changed."
            )
        return (
            f"Imported {found.name} ({found.slug}) from {found.source_files}: {found.points.count()} rows"
            + (", now the default set." if found.is_default else ".")
        )


def benchmark_set_import_licensed(
    *,
    path: Path,
    name: str,
    source: str,
    year: int,
    licence_note: str,
    citation: str = "",
    method: str = "",
    slug: str = "",
    make_default: bool = False,
    dry_run: bool = False,
) -> LicensedImportResult:
    """Import a licensed table written as CSV (columns in benchmarks.importing.licensed), all or nothing.

    The same file twice is a no-op. Raises BenchmarkFileError naming the file, line and column of
    the first problem, or BenchmarkSetError when the slug is taken or a required fact is missing.
    """
    path = Path(path)
    if not (name.strip() and source.strip() and licence_note.strip()):
        raise BenchmarkSetError("a licensed table needs its name, its source and the terms of its licence")
    _refuse_odd_year(year)
    data, sha256 = read_upload_bytes(path, max_bytes=MAX_BYTES, name=path.name, error=BenchmarkFileError)
    if existing := BenchmarkSet.objects.filter(source_sha256=sha256).first():
        return LicensedImportResult(existing, created=False)
    rows = read_licensed_table(filename=path.name, data=data)
    slug = slug or slugify(name)
    _refuse_taken_slug(slug)
    benchmark_set = BenchmarkSet(
        name=name,
        slug=slug,
        kind=BenchmarkSet.Kind.LICENSED,
        source=source,
        year=year,
        method=method or f"As published by {source}; imported without change from {path.name}.",
        citation=citation,
        licence_note=licence_note,
        source_files=path.name,
        source_sha256=sha256,
    )
    if dry_run:
        return LicensedImportResult(benchmark_set, created=False, dry_run=True)
    try:
        _save(benchmark_set, [_licensed_point(row) for row in rows], make_default=make_default)
    except IntegrityError:
        if winner := BenchmarkSet.objects.filter(source_sha256=sha256).first():
            return LicensedImportResult(winner, created=False)  # the same file, imported meanwhile
        raise
    logger.info("Benchmark set %s imported from %s: %d rows", slug, path.name, len(rows))
    return LicensedImportResult(benchmark_set, created=True)


def _licensed_point(row: LicensedRow) -> BenchmarkPoint:
    return BenchmarkPoint(
        specialty=row.specialty,
        career_stage=row.career_stage,
        region=row.region,
        provider_count=row.provider_count,
        **_fields(row.percentiles),
    )
