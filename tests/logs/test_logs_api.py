import datetime
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from codes.models import FeeScheduleRow, Release
from logs.models import ProcedureLog

LOGS = "/api/v1/logs/"


def log(client, **fields):
    fields.setdefault("performed_on", "2026-03-02")
    return client.post(LOGS, fields, format="json")


def work_rvu_of(code: str, day: str, modifier: str = "") -> Decimal:
    """The work RVU the fee schedule itself prints for code on day."""
    release = Release.objects.in_effect_on(datetime.date.fromisoformat(day))
    return FeeScheduleRow.objects.get(release=release, code=code, modifier=modifier).work_rvu


def totals(client, **params) -> dict:
    response = client.get("/api/v1/totals/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_logging_99213_and_27447_in_2026_totals_their_work_rvus(owner_client):
    assert log(owner_client, code="99213", performed_on="2026-03-02").status_code == 201
    assert log(owner_client, code="27447", performed_on="2026-03-02").status_code == 201

    body = totals(owner_client, **{"from": "2026-01-01", "to": "2026-12-31", "group": "year"})

    expected = work_rvu_of("99213", "2026-03-02") + work_rvu_of("27447", "2026-03-02")
    assert expected == Decimal("1.30") + Decimal("19.11")  # as printed in RVU26A
    assert Decimal(body["total"]["work_rvu"]) == expected
    assert body["total"]["count"] == 2
    assert body["groups"] == [{"key": "2026-01-01", "work_rvu": "20.41", "count": 2, "units": 2}]


@pytest.mark.parametrize(
    ("day", "release", "work_rvu"),
    [
        ("2025-03-02", "RVU25A", "19.60"),
        ("2025-11-15", "RVU25D", "19.60"),
        ("2026-01-01", "RVU26A", "19.11"),
        ("2026-05-20", "RVU26B", "19.11"),
        ("2026-09-30", "RVU26C", "19.11"),
    ],
)
def test_a_log_uses_the_release_in_effect_on_its_date_of_service(owner_client, day, release, work_rvu):
    body = log(owner_client, code="27447", performed_on=day).json()

    assert body["release"] == release
    assert Decimal(body["work_rvu"]) == Decimal(work_rvu) == work_rvu_of("27447", day)
    row = FeeScheduleRow.objects.select_related("release").get(
        release__name=release, code="27447", modifier=""
    )
    source = f"{row.release.rows_file_name} line {row.source_line}"
    assert body["credit_explanation"] == f"27447: work {work_rvu} from {release} [{source}]; = {work_rvu}"


@pytest.mark.parametrize(
    ("code", "modifiers", "row_modifier"), [("71046", ["26"], "26"), ("45378", ["53"], "53")]
)
def test_a_component_modifier_uses_its_own_row(owner_client, code, modifiers, row_modifier):
    body = log(owner_client, code=code, modifiers=modifiers, performed_on="2026-08-01").json()

    assert Decimal(body["work_rvu"]) == work_rvu_of(code, "2026-08-01", row_modifier)
    assert body["credit_explanation"].startswith(f"{code}-{row_modifier}: work ")


def test_the_technical_component_earns_no_work_rvu(owner_client):
    body = log(owner_client, code="71046", modifiers=["TC"], performed_on="2026-08-01").json()

    assert Decimal(body["work_rvu"]) == 0


def test_a_component_modifier_without_its_row_falls_back_to_the_global_row_and_says_so(owner_client):
    # 85060 (blood smear interpretation) has PC/TC indicator 8: 26 is allowed, the file has no 26 row.
    body = log(owner_client, code="85060", modifiers=["26"], performed_on="2026-08-01").json()

    assert Decimal(body["work_rvu"]) == work_rvu_of("85060", "2026-08-01") == Decimal("0.44")
    assert "; the file has no 26 row, so the global row is used;" in body["credit_explanation"]


def test_modifiers_without_an_effect_are_named_in_the_explanation(owner_client):
    body = log(owner_client, code="27447", modifiers=["RT", "GA"], performed_on="2026-08-01").json()

    assert "GA: does not change the work RVU" in body["credit_explanation"]
    assert "one side (no matching RT/LT line of this code in the case)" in body["credit_explanation"]
    assert "[PPRRVU2026_Jul_nonQPP.csv line 2839]" in body["credit_explanation"]


def test_units_multiply_the_work_rvu(owner_client):
    body = log(owner_client, code="G2211", units=3, performed_on="2026-08-01").json()

    assert Decimal(body["work_rvu"]) == 3 * work_rvu_of("G2211", "2026-08-01")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "71046", "modifiers": ["26", "TC"]}, "modifiers", "Modifiers 26 and TC conflict"),
        ({"code": "27447", "modifiers": ["50", "RT"]}, "modifiers", "Modifiers 50 and RT conflict"),
        ({"code": "27447", "modifiers": ["RT", "LT"]}, "modifiers", "Modifiers LT and RT conflict"),
        (
            {"code": "27447", "modifiers": ["TC"]},
            "modifiers",
            "27447 cannot take modifier TC: its PC/TC indicator",
        ),
        ({"code": "99213", "modifiers": ["26"]}, "modifiers", "99213 cannot take modifier 26"),
        ({"code": "85060", "modifiers": ["TC"]}, "modifiers", "85060 cannot take modifier TC"),
        ({"code": "27447", "client_id": "00000000-0000-0000-0000-000000000000"}, "client_id", "nil UUID"),
        ({"code": "27447", "client_id": 12345}, "client_id", "Must be a UUID string"),
        ({"code": "99999"}, "code", "99999 is not in the code catalog."),
        ({"code": "9921"}, "code", "is not a code: codes are five letters or digits"),
        (
            {"code": "27447", "performed_on": "2024-12-31"},
            "performed_on",
            "No fee schedule release covers 2024-12-31",
        ),
        ({"code": "27447", "units": 0}, "units", "greater than or equal to 1"),
        ({"code": "27447", "modifiers": ["2"]}, "modifiers", "'2' is not a two-character modifier."),
        ({"code": "27447", "modifiers": ["RT", "RT"]}, "modifiers", "A modifier is listed twice."),
        ({"code": "27447", "note": "DOB 3/4/1950"}, "note", "must not hold patient identifiers"),
        ({"code": "27447", "note": "MRN 00123456"}, "note", "must not hold patient identifiers"),
        ({"code": "27447", "note": "callback 555-123-4567"}, "note", "must not hold patient identifiers"),
        ({"code": "27447", "note": "call (555) 123-4567"}, "note", "must not hold patient identifiers"),
        ({"code": "27447", "note": "ssn 123-45-6789"}, "note", "must not hold patient identifiers"),
        ({"code": "27447", "setting": "home"}, "setting", "is not a valid choice"),
    ],
)
def test_bad_logs_are_refused_with_the_reason_on_the_field(owner_client, fields, field, message):
    response = log(owner_client, **fields)

    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not ProcedureLog.objects.exists()


def test_a_code_the_release_in_effect_does_not_list_earns_nothing_and_says_why(owner_client):
    body = log(owner_client, code="1026T", performed_on="2026-02-01").json()

    assert body["work_rvu"] == "0.00"
    assert body["credit_explanation"] == "1026T: no CMS work RVU in RVU26A; no CMS work RVU → 0.00"


def test_a_date_of_service_in_the_future_is_refused(owner_client):
    next_week = timezone.localdate() + datetime.timedelta(days=7)

    response = log(owner_client, code="27447", performed_on=next_week.isoformat())

    assert response.status_code == 400
    assert response.json()["performed_on"] == ["The date of service is in the future."]


def test_a_short_note_without_identifiers_is_kept(owner_client):
    body = log(owner_client, code="27447", note="left knee, revision of hardware").json()

    assert body["note"] == "left knee, revision of hardware"


def test_the_client_cannot_set_the_credit(owner_client):
    body = log(owner_client, code="99213", work_rvu="99.00", release="RVU25A", credit_explanation="x").json()

    assert Decimal(body["work_rvu"]) == work_rvu_of("99213", "2026-03-02")
    assert body["release"] == "RVU26A"


def test_posting_the_same_client_id_again_returns_the_first_log(owner_client):
    client_id = str(uuid.uuid4())

    first = log(owner_client, code="99213", client_id=client_id, note="retry me")
    second = log(owner_client, code="99213", client_id=client_id, note="retry me")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert ProcedureLog.objects.count() == 1


def test_the_same_client_id_with_a_different_log_is_a_conflict(owner_client):
    client_id = str(uuid.uuid4())
    first = log(owner_client, code="27447", client_id=client_id)

    second = log(owner_client, code="99213", client_id=client_id)

    assert second.status_code == 409
    assert second.json()["existing"]["id"] == first.json()["id"]
    assert ProcedureLog.objects.get().code_id == "27447"


def test_a_release_gap_is_named_in_the_explanation(owner_client):
    body = log(owner_client, code="99213", performed_on="2025-07-15").json()

    assert body["release"] == "RVU25A"
    assert (
        "RVU25C, the release for July–September 2025, is not loaded; values are from RVU25A"
        in body["credit_explanation"]
    )


def test_put_resets_the_fields_it_omits(owner_client):
    created = log(owner_client, code="71046", modifiers=["26"], units=3, note="portable").json()

    body = owner_client.put(
        f"{LOGS}{created['id']}/", {"code": "71046", "performed_on": "2026-05-02"}, format="json"
    ).json()

    assert (body["modifiers"], body["units"], body["note"], body["setting"]) == ([], 1, "", "facility")


def test_an_update_of_a_log_deleted_meanwhile_does_not_bring_it_back(owner):
    from codes.models import Code
    from logs.services import procedure_log_create, procedure_log_update

    log_entry, _ = procedure_log_create(
        user=owner,
        client_id=uuid.uuid4(),
        performed_on=datetime.date(2026, 3, 2),
        code=Code.objects.get(code="27447"),
        modifiers=[],
        units=1,
        setting="facility",
        note="",
    )
    ProcedureLog.objects.filter(pk=log_entry.pk).delete()  # another request deletes it

    with pytest.raises(ProcedureLog.DoesNotExist):
        procedure_log_update(log=log_entry, changes={"units": 5})
    assert not ProcedureLog.objects.exists()


def test_another_user_reusing_a_client_id_gets_their_own_log(owner_client, other_client):
    client_id = str(uuid.uuid4())

    mine = log(owner_client, code="99213", client_id=client_id)
    theirs = log(other_client, code="99214", client_id=client_id)

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["code"] == "99214"


def test_a_user_lists_only_their_own_logs(owner_client, other_client):
    log(owner_client, code="99213")
    log(other_client, code="27447")

    listed = owner_client.get(LOGS).json()["results"]

    assert [entry["code"] for entry in listed] == ["99213"]


def test_another_users_log_cannot_be_read_changed_or_deleted(owner_client, other_client):
    url = f"{LOGS}{log(owner_client, code='99213').json()['id']}/"

    assert other_client.get(url).status_code == 404
    assert other_client.patch(url, {"units": 5}, format="json").status_code == 404
    assert (
        other_client.put(url, {"code": "27447", "performed_on": "2026-03-02"}, format="json").status_code
        == 404
    )
    assert other_client.delete(url).status_code == 404
    assert ProcedureLog.objects.get().units == 1


def test_other_users_logs_never_reach_their_totals(owner_client, other_client):
    log(owner_client, code="27447")

    assert totals(other_client, group="code")["total"]["count"] == 0


@pytest.mark.parametrize("path", [LOGS, "/api/v1/totals/"])
def test_anonymous_requests_must_log_in(anonymous_client, path):
    response = anonymous_client.get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "X-Session-Token"


def test_changing_the_code_or_date_recomputes_the_credit(owner_client):
    url = f"{LOGS}{log(owner_client, code='99213', performed_on='2026-03-02').json()['id']}/"

    body = owner_client.patch(url, {"code": "27447", "performed_on": "2025-03-02"}, format="json").json()

    assert body["release"] == "RVU25A"
    assert Decimal(body["work_rvu"]) == work_rvu_of("27447", "2025-03-02")


def test_changing_only_the_note_keeps_the_credit(owner_client):
    created = log(owner_client, code="27447").json()

    body = owner_client.patch(f"{LOGS}{created['id']}/", {"note": "revision"}, format="json").json()

    assert (body["work_rvu"], body["note"]) == (created["work_rvu"], "revision")


def test_an_update_that_cannot_be_valued_is_refused_and_changes_nothing(owner_client):
    created = log(owner_client, code="27447").json()

    response = owner_client.patch(f"{LOGS}{created['id']}/", {"performed_on": "2024-01-01"}, format="json")

    assert response.status_code == 400
    assert ProcedureLog.objects.get().performed_on == datetime.date(2026, 3, 2)


def test_the_client_id_cannot_change(owner_client):
    created = log(owner_client, code="27447").json()

    response = owner_client.patch(f"{LOGS}{created['id']}/", {"client_id": str(uuid.uuid4())}, format="json")

    assert response.status_code == 400


def test_a_log_can_be_deleted_by_its_owner(owner_client):
    created = log(owner_client, code="27447").json()

    assert owner_client.delete(f"{LOGS}{created['id']}/").status_code == 204
    assert not ProcedureLog.objects.exists()


def test_the_list_filters_by_dates_and_code(owner_client):
    for day, code in [("2026-01-05", "99213"), ("2026-02-05", "99213"), ("2026-02-06", "27447")]:
        log(owner_client, code=code, performed_on=day)

    listed = owner_client.get(LOGS, {"from": "2026-02-01", "to": "2026-02-28", "code": "99213"}).json()

    assert [(entry["performed_on"], entry["code"]) for entry in listed["results"]] == [
        ("2026-02-05", "99213")
    ]


def test_listing_costs_a_fixed_number_of_queries(owner_client, django_assert_max_num_queries):
    for day in ["2026-01-05", "2026-02-05", "2026-03-05", "2026-04-05"]:
        log(owner_client, code="27447", performed_on=day)

    with django_assert_max_num_queries(4):  # session, user, count, page
        assert len(owner_client.get(LOGS).json()["results"]) == 4


def test_totals_group_by_week_month_and_code(owner_client):
    for day, code in [("2026-03-02", "99213"), ("2026-03-04", "99213"), ("2026-03-09", "27447")]:
        log(owner_client, code=code, performed_on=day)
    period = {"from": "2026-03-01", "to": "2026-03-31"}

    weeks = totals(owner_client, group="week", **period)["groups"]
    codes = totals(owner_client, group="code", **period)["groups"]
    days = totals(owner_client, group="day", **period)["groups"]

    assert [(week["key"], week["work_rvu"], week["count"]) for week in weeks] == [
        ("2026-03-02", "2.60", 2),
        ("2026-03-09", "19.11", 1),
    ]
    assert [(code["key"], code["work_rvu"]) for code in codes] == [("27447", "19.11"), ("99213", "2.60")]
    assert codes[0]["description"] == "Total knee arthroplasty"
    assert [day["key"] for day in days] == ["2026-03-02", "2026-03-04", "2026-03-09"]


def test_totals_default_to_this_year_by_month(owner_client):
    body = totals(owner_client)

    today = timezone.localdate()
    assert (body["from"], body["to"], body["group"]) == (f"{today.year}-01-01", today.isoformat(), "month")


@pytest.mark.parametrize(
    "params", [{"group": "decade"}, {"from": "2026-05-01", "to": "2026-04-01"}, {"from": "yesterday"}]
)
def test_totals_refuse_bad_parameters(owner_client, params):
    assert owner_client.get("/api/v1/totals/", params).status_code == 400
