"""Building benchmark sets from the Medicare provider-and-service file: the real 2012 sample,
checked against a computation written here without DuckDB, and small files in the other layouts."""

import csv
import statistics
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from benchmarks.bundled import SAMPLE_SET, sample_paths
from benchmarks.importing.errors import BenchmarkFileError, BenchmarkSetError
from benchmarks.importing.layouts import CMS_2012, CURRENT, SAMPLE_2012, STATE_FILES_2012, inspect_source_file
from benchmarks.models import BenchmarkPoint, BenchmarkSet
from benchmarks.services import benchmark_set_build, benchmark_set_build_bundled
from benchmarks.specialties import profile_specialty
from codes.models import PAID_STATUS_CODES, FeeScheduleRow, Release

CENT = Decimal("0.01")
CURRENT_HEADER = (
    "Rndrng_NPI,Rndrng_Prvdr_Last_Org_Name,Rndrng_Prvdr_Ent_Cd,Rndrng_Prvdr_State_Abrvtn,Rndrng_Prvdr_Type,"
    "HCPCS_Cd,HCPCS_Desc,Place_Of_Srvc,Tot_Benes,Tot_Srvcs\n"
)


@pytest.fixture
def rvu26c(db) -> Release:
    return Release.objects.get(name="RVU26C")


@pytest.fixture(scope="module")
def rows_of_rvu26c(django_db_setup, django_db_blocker) -> dict[tuple[str, str], FeeScheduleRow]:
    with django_db_blocker.unblock():
        rows = FeeScheduleRow.objects.filter(release__name="RVU26C", modifier__in=["", "26"])
        return {(row.code_id, row.modifier): row for row in rows}


def pays_work(row: FeeScheduleRow | None) -> bool:
    return row is not None and row.status_code in PAID_STATUS_CODES and row.work_rvu > 0


def work_rvu_by_hand(rows: dict, code: str) -> tuple[Decimal | None, str]:
    """The work RVU that values a code, or why there is none: the rule of the set's method, restated."""
    glob, professional = rows.get((code, "")), rows.get((code, "26"))
    if glob is None:
        return None, "not_in_release"
    if pays_work(glob):
        return glob.work_rvu, ""
    if pays_work(professional):
        return professional.work_rvu, ""
    return None, "not_paid" if glob.status_code not in PAID_STATUS_CODES else "no_work_rvu"


def sample_by_hand(rows: dict) -> tuple[dict[tuple[str, str], Decimal], Counter]:
    """Every provider's wRVU total in the sample, and rows not counted by reason, with the csv module."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    skipped: Counter = Counter()
    for path in sample_paths():
        with path.open(newline="") as file:
            for row in csv.DictReader(file):
                work, reason = work_rvu_by_hand(rows, row["hcpcs_code"])
                if work is None:
                    skipped[reason] += 1
                    continue
                totals[row["provider_id"], row["provider_specialty"]] += (
                    Decimal(row["num_of_services"]) * work
                )
    return totals, skipped


def percentiles_by_hand(values: list[Decimal]) -> dict[str, Decimal]:
    """statistics.quantiles' inclusive method is the same type 7 interpolation, done another way."""
    cuts = statistics.quantiles(sorted(values), n=100, method="inclusive")
    return {f"p{p}": cuts[p - 1].quantize(CENT, ROUND_HALF_UP) for p in (10, 25, 50, 75, 90)}


def point_values(point: BenchmarkPoint) -> dict[str, Decimal]:
    return {name: getattr(point, name) for name in ("p10", "p25", "p50", "p75", "p90")}


@pytest.fixture
def sample_set(rvu26c) -> BenchmarkSet:
    return benchmark_set_build_bundled().benchmark_set


@pytest.mark.parametrize(
    "specialty", ["Allergy/Immunology", "Thoracic Surgery", "Rheumatology", "Cardiology"]
)
def test_the_sample_set_matches_a_computation_by_hand(sample_set, rows_of_rvu26c, specialty):
    totals, _ = sample_by_hand(rows_of_rvu26c)
    providers = [total for (_, of), total in totals.items() if of == specialty]

    point = sample_set.points.get(specialty=specialty)

    assert point.provider_count == len(providers)
    assert point_values(point) == percentiles_by_hand(providers)


def test_the_sample_set_counts_what_it_read_and_says_why_it_skipped_the_rest(sample_set, rows_of_rvu26c):
    totals, skipped = sample_by_hand(rows_of_rvu26c)
    report = sample_set.build_report

    assert report["rows_read"] == 61_523  # VT 17,396 + WY 13,514 + DE 30,613 (SOURCES.md)
    assert report["rows_counted"] == 61_523 - sum(skipped.values())
    assert {item["reason"]: item["rows"] for item in report["skipped"]} == {
        "code not in RVU26C": skipped["not_in_release"],
        "status not paid by Medicare (other than A, R, T) in RVU26C": skipped["not_paid"],
        "no work RVU in RVU26C": skipped["no_work_rvu"],
    }
    assert report["providers_published"] == sum(point.provider_count for point in sample_set.points.all())


def test_specialties_with_fewer_than_ten_providers_are_not_published(sample_set, rows_of_rvu26c):
    totals, _ = sample_by_hand(rows_of_rvu26c)
    providers_of = Counter(specialty for _, specialty in totals)

    published = dict(sample_set.points.values_list("specialty", "provider_count"))

    assert published == {name: count for name, count in providers_of.items() if count >= 10}
    assert sample_set.build_report["specialties_under_minimum"]["Cardiac Surgery"] == 9
    assert "Cardiac Surgery" not in published


def test_the_sample_set_is_labelled_for_what_it_is(sample_set):
    assert sample_set.is_default  # the first set there is
    assert (sample_set.slug, sample_set.year, sample_set.release.name) == (SAMPLE_SET["slug"], 2012, "RVU26C")
    assert "Medicare fee-for-service volume only" in sample_set.method
    assert "three small states" in sample_set.method
    assert "type 7" in sample_set.method and "global row" in sample_set.method
    assert sample_set.source_files.splitlines() == [path.name for path in sample_paths()]


def test_building_the_bundled_set_again_changes_nothing(sample_set):
    again = benchmark_set_build_bundled()

    assert (again.created, again.benchmark_set.pk) == (False, sample_set.pk)
    assert BenchmarkSet.objects.count() == 1


def current_layout_file(
    tmp_path: Path, lines: list[str], name: str = "MUP_PHY_R25_P05_V20_D23_Prov_Svc.csv"
) -> Path:
    path = tmp_path / name
    path.write_text(CURRENT_HEADER + "".join(lines))
    return path


def cardiology_rows() -> list[str]:
    """Ten cardiologists; each bills 99214 (1.92) and an echo (93306, 1.42) in office and facility rows."""
    lines = []
    for number in range(10):
        npi = f"10000000{number:02d}"
        lines += [
            f'{npi},"Heart, {number}",I,MD,Cardiology,99214,"Office visit",O,40,{20 + number}\n',
            f"{npi},Heart,I,MD,Cardiology,93306,Echo,F,15,{11 + 3 * number}.5\n",
            f"{npi},Heart,I,MD,Cardiology,93306,Echo,O,12,4\n",  # the same code again: summed
        ]
    return lines


def test_a_file_in_the_current_cms_layout_is_valued_row_by_row(tmp_path, rvu26c):
    odd_rows = [
        "2000000001,Big Clinic LLC,O,MD,Cardiology,99214,Visit,O,500,900\n",  # an organisation
        "1000000001,Heart,I,MD,Cardiology,00100,Anesthesia,F,20,30\n",  # status J, read as text: 00100
        "1000000001,Heart,I,MD,Cardiology,J1100,Drug,O,20,30\n",  # status E: not paid
        "1000000001,Heart,I,MD,Cardiology,99999,Made up,O,20,30\n",  # not in the release
        "1000000001,Heart,I,MD,Cardiology,99213,Visit,O,20,\n",  # no service count
        "1000000002,Heart,I,MD,Cardiology,70557,MRI,F,20,2\n",  # global carrier priced: the 26 row
        "3000000001,Knee,I,MD,Orthopedic Surgery,27447,Knee,F,20,12\n",  # one surgeon: not published
    ]
    path = current_layout_file(tmp_path, cardiology_rows() + odd_rows)

    result = benchmark_set_build(paths=[path], release=rvu26c, name="Synthetic 2023", year=2023)

    expected = [
        Decimal("1.92") * (20 + n) + Decimal("1.42") * (Decimal(f"{11 + 3 * n}.5") + 4) for n in range(10)
    ]
    expected[2] += Decimal("2.83") * 2  # 70557-26
    point = result.benchmark_set.points.get()
    assert (point.specialty, point.provider_count) == ("Cardiology", 10)
    assert point_values(point) == percentiles_by_hand(expected)
    report = result.build.report()
    assert [(item["reason"], item["rows"]) for item in report["skipped"]] == [
        ("an organisation, not an individual (entity code other than I)", 1),
        ("no service count (blank, suppressed or not a number)", 1),
        ("code not in RVU26C", 1),
        ("status not paid by Medicare (other than A, R, T) in RVU26C", 2),
    ]
    assert report["specialties_under_minimum"] == {"Orthopedic Surgery": 1}
    assert "Only individual providers (entity code I) are counted." in result.benchmark_set.method


def test_files_of_different_layouts_are_read_together(tmp_path, rvu26c):
    current = current_layout_file(tmp_path, cardiology_rows()[:15])  # five cardiologists
    older = tmp_path / "Medicare_Provider_Util_Payment_PUF_CY2023.txt"
    older.write_text(
        "NPI,NPPES_ENTITY_CODE,PROVIDER_TYPE,PLACE_OF_SERVICE,HCPCS_CODE,LINE_SRVC_CNT\n"
        "0000000001,,,,,\n"  # the copyright line CMS printed under the header
        + "".join(f"40000000{n:02d},I,Cardiology,O,99213,{10 + n}\n" for n in range(5))
    )

    result = benchmark_set_build(paths=[current, older], release=rvu26c, name="Two layouts", year=2023)

    assert result.benchmark_set.points.get().provider_count == 10
    assert result.build.report()["skipped"][0] == {  # the copyright line
        "reason": "no provider id or provider type",
        "rows": 1,
        "providers": 1,
    }


@pytest.mark.parametrize(
    ("header", "layout"),
    [
        (CURRENT_HEADER, CURRENT),
        ('"npi","nppes_entity_code","provider_type","hcpcs_code","line_srvc_cnt"\n', CMS_2012),
        ("npi,provider_specialty,service_billing_code,num_of_services,total_payments\n", STATE_FILES_2012),
        (
            "\ufeffprovider_id,provider_specialty,provider_state,hcpcs_code,service_description,"
            "num_of_services,num_of_beneficiaries\n",
            SAMPLE_2012,
        ),
    ],
)
def test_the_header_says_which_layout_a_file_has(tmp_path, header, layout):
    path = tmp_path / "file.csv"
    path.write_text(header)

    assert inspect_source_file(path).layout == layout


def test_a_file_in_no_known_layout_is_refused_naming_what_is_missing(tmp_path):
    path = tmp_path / "providers.csv"
    path.write_text("Rndrng_NPI,Rndrng_Prvdr_Type,HCPCS_Cd,Tot_Benes\n")

    with pytest.raises(BenchmarkFileError) as caught:
        inspect_source_file(path)

    assert str(caught.value).startswith("providers.csv, line 1, column Tot_Srvcs: not a Medicare")


def test_a_damaged_row_is_refused_with_its_file_and_line_and_nothing_is_written(tmp_path, rvu26c):
    lines = cardiology_rows()
    lines[6] = "1000000003,Heart,I,MD,Cardiology,99214\n"
    path = current_layout_file(tmp_path, lines)

    with pytest.raises(BenchmarkFileError) as caught:
        benchmark_set_build(paths=[path], release=rvu26c, name="Damaged", year=2023)

    assert str(caught.value).startswith(f"{path.name}, line 8: ")
    assert "Expected Number of Columns: 10 Found: 6" in str(caught.value)
    assert not BenchmarkSet.objects.exists()


def test_a_latin_1_file_is_read(tmp_path, rvu26c):
    path = tmp_path / "MUP_PHY_D23.csv"
    lines = cardiology_rows()
    lines[0] = lines[0].replace("Heart", "Pe\xf1a")
    path.write_bytes((CURRENT_HEADER + "".join(lines)).encode("latin-1"))

    result = benchmark_set_build(paths=[path], release=rvu26c, name="Latin-1", year=2023)

    assert result.benchmark_set.points.get().provider_count == 10


def test_a_dry_run_computes_and_writes_nothing(tmp_path, rvu26c):
    path = current_layout_file(tmp_path, cardiology_rows())

    result = benchmark_set_build(paths=[path], release=rvu26c, name="Try", year=2023, dry_run=True)

    assert len(result.build.published) == 1
    assert not BenchmarkSet.objects.exists()


def test_a_set_is_never_rebuilt_in_place(tmp_path, sample_set, rvu26c):
    with pytest.raises(BenchmarkSetError, match="already exists"):
        benchmark_set_build(
            paths=sample_paths(), release=rvu26c, name="Again", slug=sample_set.slug, year=2012
        )


def test_a_new_set_takes_the_default_only_when_asked(tmp_path, sample_set, rvu26c):
    path = current_layout_file(tmp_path, cardiology_rows())
    kept = benchmark_set_build(paths=[path], release=rvu26c, name="Second", year=2023).benchmark_set

    made_default = benchmark_set_build(
        paths=[path], release=rvu26c, name="Third", year=2023, make_default=True
    ).benchmark_set

    assert not kept.is_default and made_default.is_default
    assert list(BenchmarkSet.objects.filter(is_default=True)) == [made_default]


def test_a_file_with_no_specialty_of_ten_providers_publishes_nothing(tmp_path, rvu26c):
    path = current_layout_file(tmp_path, cardiology_rows()[:27])  # nine cardiologists

    with pytest.raises(BenchmarkSetError, match="no specialty has 10 providers"):
        benchmark_set_build(paths=[path], release=rvu26c, name="Too few", year=2023)
    assert not BenchmarkSet.objects.exists()


def test_a_build_reports_its_progress_from_start_to_end(tmp_path, rvu26c):
    path = current_layout_file(tmp_path, cardiology_rows())
    shares: list[float] = []

    benchmark_set_build(paths=[path], release=rvu26c, name="Watched", year=2023, progress=shares.append)

    assert shares[-1] == 1.0
    assert all(0 <= share <= 1 for share in shares)


def code_uses_by_hand(code: str) -> list[tuple[str, Decimal, int]]:
    """The top five specialties billing `code` in the sample: services summed, providers counted."""
    services: dict[str, Decimal] = defaultdict(Decimal)
    providers: dict[str, set] = defaultdict(set)
    for path in sample_paths():
        with path.open(newline="") as file:
            for row in csv.DictReader(file):
                if row["hcpcs_code"] == code and Decimal(row["num_of_services"]) > 0:
                    name = profile_specialty(row["provider_specialty"]) or row["provider_specialty"]
                    services[name] += Decimal(row["num_of_services"])
                    providers[name].add(row["provider_id"])
    ranked = sorted(services, key=lambda name: (-services[name], name))[:5]
    return [(name, services[name].quantize(CENT), len(providers[name])) for name in ranked]


@pytest.mark.parametrize("code", ["99213", "27447", "93010", "G0008"])
def test_the_specialties_billing_each_code_match_a_count_by_hand(sample_set, code):
    stored = sample_set.code_uses.filter(code=code)

    assert [(use.specialty, use.services, use.providers) for use in stored] == code_uses_by_hand(code)
    assert stored.exists()
