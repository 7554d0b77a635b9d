"""Who may call which URL: every route of the project, five personas, every method it allows.

RULES says, route by route (GROUP_RULES by prefix for the admin's and allauth's many routes), who
may use it and which object fills its URL: the owner's wherever there is one. A route without a
rule fails, so a new one cannot slip past. Each call runs in a savepoint that is rolled back, so
none changes what the next one sees. Whenever someone other than the owner calls, the owner's rows
must be unchanged afterwards, and the answer must hold none of the owner's private values (notes,
plan and program names, client ids, profile figures, email): those would be reads and writes of
another person's data.
"""

import datetime
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from accounts.models import AuditEvent, Profile, Program, ProgramMembership, User
from accounts.services import program_create
from benchmarks.models import BenchmarkPoint, BenchmarkSet
from codes.models import (
    Code,
    CuratedCodeText,
    FeeScheduleRow,
    HcpcsCode,
    HcpcsFile,
    HcpcsModifier,
    Release,
    ReleaseUpload,
)
from logs.models import Case, Leave, ProcedureLog, RecomputeRun, ReleaseRepricing
from logs.plans import CreditPlan, PlanAssignment
from logs.services import case_create, credit_plan_assign, procedure_log_create
from tests.conftest import RELEASE_UPLOAD_PERMISSIONS, client_for

PERSONAS = ("anonymous", "owner", "other", "director", "staff")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = ("POST", "PUT", "PATCH")
# A plain function view does not say which methods it takes: call it to read and to write.
FUNCTION_VIEW_METHODS = ("GET", "POST")
SERVICE_DAY = datetime.date(2026, 8, 3)
PASSWORD = "a-long-pass-phrase"


# What a persona must get: each outcome is a test of the response.
def allowed(response) -> bool:
    """The view did its work, or told the caller what is wrong with the input."""
    return response.status_code not in (401, 403, 404, 405) and response.status_code < 500


def answered(response) -> bool:
    """Any answer but a server error: allauth's flows answer 200, 400, 401 or 409 by design."""
    return response.status_code < 500


def refused(response) -> bool:
    return response.status_code in (401, 403)


def hidden(response) -> bool:
    """Someone else's object: as if it did not exist (404), or refused outright (403)."""
    return response.status_code in (403, 404)


def forbidden(response) -> bool:
    return response.status_code == 403


def refused_by_allauth(response) -> bool:
    """allauth's headless API answers 409 to a change that needs a signed-in user."""
    return response.status_code in (401, 403, 409)


def sent_to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path in ("/accounts/login/",)


def kept_out_of_admin(response) -> bool:
    """Sent to log in (the admin's logout sends to the admin's front page, which does), or refused."""
    doors = ("/accounts/login/", "/admin/login/", "/admin/")
    return response.status_code == 403 or (
        response.status_code == 302 and urlsplit(response["Location"]).path in doors
    )


def closed_to_staff(response) -> bool:
    """403; from a bare object URL, the redirect to its change page, itself closed."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].endswith("/change/")
    )


def everyone(outcome) -> dict:
    return dict.fromkeys(PERSONAS, outcome)


PUBLIC = everyone(allowed)
SIGNED_IN = {**everyone(allowed), "anonymous": refused}  # each works on their own data
OWNER_ONLY = {**everyone(hidden), "anonymous": refused, "owner": allowed}
DIRECTOR_ONLY = {**everyone(hidden), "anonymous": refused, "director": allowed}
UPLOADERS = {**everyone(forbidden), "anonymous": refused, "staff": allowed}
ADMIN_SITE = {**everyone(kept_out_of_admin), "staff": answered}
ADMIN_CLOSED = {**everyone(kept_out_of_admin), "staff": closed_to_staff}
ADMIN_UPLOADS = {**everyone(kept_out_of_admin), "staff": allowed}
OPEN_PAGES = everyone(answered)
OWN_ACCOUNT_PAGES = {**everyone(answered), "anonymous": sent_to_login}
OWN_ACCOUNT_API = {**everyone(answered), "anonymous": refused_by_allauth}


@dataclass(frozen=True)
class Rule:
    """Who gets what on a route; `target` names the object that fills the URL's arguments.

    `methods` None means every method the view answers. `director_sees` lists the owner's
    values the director may read through it: a program's roster and its shared totals.
    """

    access: dict
    methods: tuple[str, ...] | None = None
    target: str | None = None
    director_sees: tuple[str, ...] = ()


OWN_PROGRAM = Rule(OWNER_ONLY, target="owner_program")
DIRECTED_PROGRAM = Rule(DIRECTOR_ONLY, target="director_program", director_sees=("email",))
# The owner's active membership of the director's program, and an invitation still open.
ANSWER_INVITATION = (Rule(OWNER_ONLY, target="membership"), Rule(OWNER_ONLY, target="invitation"))

# Keys are routes as `route_key` writes them: regex groups as <name>, without ^ and $.
RULES: dict[str, tuple[Rule, ...]] = {
    "": (Rule(OPEN_PAGES, methods=("GET",)),),  # a redirect to the app
    "healthz": (Rule(PUBLIC, methods=("GET",)),),
    # The phone app's shell: the same page, worker and manifest for everyone, nobody's data in them.
    "app/": (Rule(PUBLIC, methods=("GET",)),),
    "app/sw.js": (Rule(PUBLIC, methods=("GET",)),),
    "app/manifest.webmanifest": (Rule(PUBLIC, methods=("GET",)),),
    "api/schema/": (Rule(PUBLIC),),
    "api/docs/": (Rule(PUBLIC),),
    "api/v1/codes/": (Rule(PUBLIC),),
    "api/v1/codes/<code>/": (Rule(PUBLIC, target="code"),),
    "api/v1/codes/<code>/page/": (Rule(PUBLIC, target="code"),),
    # Public pages of the catalog, for people arriving from a search engine.
    "codes/": (Rule(OPEN_PAGES, methods=("GET",)),),
    "codes/<code>/": (Rule(OPEN_PAGES, methods=("GET",), target="code"),),
    "sitemap.xml": (Rule(OPEN_PAGES, methods=("GET",)),),
    "sitemap-<section>.xml": (Rule(OPEN_PAGES, methods=("GET",), target="sitemap"),),
    "api/v1/releases/": (Rule(PUBLIC, methods=("GET",)), Rule(UPLOADERS, methods=("POST",))),
    # A name is public; a number is the id of an upload, for staff who watch its import.
    "api/v1/releases/<name>/": (Rule(PUBLIC, target="release"), Rule(UPLOADERS, target="upload_as_name")),
    "api/v1/releases/<name>/diff/": (Rule(PUBLIC, target="release"),),
    "api/v1/release-uploads/": (Rule(UPLOADERS),),
    "api/v1/release-uploads/<pk>/": (Rule(UPLOADERS, target="upload"),),
    "api/v1/logs/": (Rule(SIGNED_IN),),
    "api/v1/logs/<pk>/": (Rule(OWNER_ONLY, target="log"),),
    "api/v1/cases/": (Rule(SIGNED_IN),),
    "api/v1/cases/<pk>/": (Rule(OWNER_ONLY, target="case"),),
    "api/v1/cases/<pk>/lines/": (Rule(OWNER_ONLY, target="case"),),
    "api/v1/plans/": (Rule(SIGNED_IN),),
    "api/v1/plans/<pk>/": (Rule(OWNER_ONLY, target="plan"),),
    "api/v1/plan-assignments/": (Rule(SIGNED_IN),),
    "api/v1/plan-assignments/<pk>/": (Rule(OWNER_ONLY, target="assignment"),),
    "api/v1/repricings/": (Rule(SIGNED_IN),),
    "api/v1/totals/": (Rule(SIGNED_IN),),
    "api/v1/wrvu/preview": (Rule(SIGNED_IN),),
    "api/v1/me/": (Rule(SIGNED_IN),),
    "api/v1/me/profile/": (Rule(SIGNED_IN),),
    "api/v1/me/export/": (Rule(SIGNED_IN),),
    "api/v1/me/export/csv/": (Rule(SIGNED_IN),),
    "api/v1/programs/": (Rule(SIGNED_IN),),
    "api/v1/programs/<pk>/": (OWN_PROGRAM, DIRECTED_PROGRAM),
    "api/v1/programs/<pk>/invitations/": (OWN_PROGRAM, DIRECTED_PROGRAM),
    "api/v1/programs/<pk>/memberships/": (OWN_PROGRAM, DIRECTED_PROGRAM),
    "api/v1/programs/<pk>/trainees/": (OWN_PROGRAM, DIRECTED_PROGRAM),
    "api/v1/me/invitations/": (Rule(SIGNED_IN),),
    "api/v1/me/invitations/<pk>/accept/": ANSWER_INVITATION,
    "api/v1/me/invitations/<pk>/decline/": ANSWER_INVITATION,
    "api/v1/me/invitations/<pk>/withdraw/": ANSWER_INVITATION,
    "api/v1/leave/": (Rule(SIGNED_IN),),
    "api/v1/leave/<pk>/": (Rule(OWNER_ONLY, target="leave"),),
    "api/v1/benchmarks/compare/": (Rule(SIGNED_IN),),
    "api/v1/benchmarks/sets/": (Rule(PUBLIC),),
    "api/v1/benchmarks/sets/<pk>/": (Rule(PUBLIC, target="benchmark_set"),),
    # The upload admin is read-only: uploads come from its own form or the API.
    "admin/codes/releaseupload/add/": (Rule(ADMIN_CLOSED, target="admin"),),
    "admin/codes/releaseupload/<object_id>/delete/": (Rule(ADMIN_CLOSED, target="admin"),),
    "admin/codes/releaseupload/<object_id>/change/": (
        Rule(ADMIN_UPLOADS, methods=("GET",), target="admin"),
        Rule(ADMIN_CLOSED, methods=("POST",), target="admin"),
    ),
    "accounts/confirm-email/": (Rule(OPEN_PAGES, methods=("GET",)),),
}

# A route no rule names takes the rule of its longest matching prefix.
GROUP_RULES: dict[str, tuple[Rule, ...]] = {
    # The admin lets in staff only. Our staff hold the release-upload permissions and nothing
    # else: the records of people, and the catalog (read-only to everyone), stay closed to them.
    "admin/": (Rule(ADMIN_SITE, target="admin"),),
    **dict.fromkeys(
        ["admin/auth/", "admin/account/", "admin/accounts/", "admin/mfa/", "admin/logs/", "admin/codes/"],
        (Rule(ADMIN_CLOSED, target="admin"),),
    ),
    "admin/benchmarks/": (Rule(ADMIN_CLOSED, target="admin"),),  # sets are read and chosen by admins
    **dict.fromkeys(
        ["admin/codes/releaseupload/", "admin/codes/release/upload/", "admin/codes/release/<pk>/diff/"],
        (Rule(ADMIN_UPLOADS, target="admin"),),
    ),
    # allauth's pages: signing in, up and resetting a password are open to anyone; the rest act on
    # the caller's own account. Keys in their URLs are made up: nobody holds them.
    "accounts/": (Rule(OPEN_PAGES, target="allauth"),),
    **dict.fromkeys(
        [
            "accounts/email/",
            "accounts/password/change/",
            "accounts/password/set/",
            "accounts/reauthenticate/",
        ],
        (Rule(OWN_ACCOUNT_PAGES),),
    ),
    "accounts/2fa/": (Rule(OWN_ACCOUNT_PAGES),),
    # allauth's headless API, for the browser and the app alike.
    "_allauth/": (Rule(OPEN_PAGES),),
    "_allauth/browser/v1/account/": (Rule(OWN_ACCOUNT_API),),
    "_allauth/app/v1/account/": (Rule(OWN_ACCOUNT_API),),
}


def route_key(route: str) -> str:
    """A route as the matrix names it: api/v1/^logs/(?P<pk>[^/.]+)/$ is api/v1/logs/<pk>/."""
    key = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    key = re.sub(r"<\w+:(\w+)>", r"<\1>", key)
    return key.replace("^", "").replace("$", "")


def walk(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def project_routes() -> dict:
    routes = {}
    for route, pattern in walk(get_resolver()):
        assert route_key(route) not in routes, f"two routes read as {route_key(route)}"
        routes[route_key(route)] = pattern
    return routes


ROUTES = project_routes()


def rules_for(key: str) -> tuple[Rule, ...]:
    if key in RULES:
        return RULES[key]
    prefixes = [prefix for prefix in GROUP_RULES if key.startswith(prefix)]
    return GROUP_RULES[max(prefixes, key=len)] if prefixes else ()


def view_methods(key: str) -> tuple[str, ...] | None:
    """The methods a route's class-based view answers; None for a plain function."""
    callback = ROUTES[key].callback
    if getattr(callback, "actions", None):  # a DRF viewset's route; DRF adds HEAD once it has run
        return tuple(method for method in METHODS if method.lower() in callback.actions)
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return None
    return tuple(
        method
        for method in METHODS
        if hasattr(view_class, method.lower()) and method.lower() in view_class.http_method_names
    )


def rule_methods(key: str, rule: Rule) -> tuple[str, ...]:
    return rule.methods or view_methods(key) or FUNCTION_VIEW_METHODS


@dataclass
class World:
    """The personas, their sessions, the objects URLs name and what must stay the owner's own."""

    users: dict[str, User]
    targets: dict[str, dict]
    admin_objects: dict[str, object]
    owner_secrets: dict[str, str]
    sessions: dict[str, str] = field(default_factory=dict)
    owner_rows: dict = field(default_factory=dict)

    def rows_of_owner(self) -> dict[str, list]:
        return owner_rows(self.users["owner"], session_key=self.sessions["owner"])


def create_persona(email: str, **extra) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def create_owner_objects(owner: User, director: User) -> dict:
    """The owner's things, several holding a value nobody else may ever be shown."""
    log, _ = procedure_log_create(
        user=owner, client_id=uuid.uuid4(), performed_on=SERVICE_DAY, code=Code.objects.get(code="99213"),
        modifiers=[], units=1, setting="facility", note="kestrel in the log note",
    )  # fmt: skip
    case, _ = case_create(
        user=owner, client_id=uuid.uuid4(), performed_on=SERVICE_DAY, setting="facility",
        note="osprey in the case note", lines=[{"code": Code.objects.get(code="27447"), "note": "plover"}],
    )  # fmt: skip
    plan = CreditPlan.objects.create(owner=owner, name="Heron employer plan")
    director_program = program_create(director=director, name="Director residency")
    return {
        "log": log,
        "case": case,
        "plan": plan,
        "assignment": credit_plan_assign(user=owner, plan=plan, starts_on=SERVICE_DAY),
        "leave": Leave.objects.create(user=owner, first_day=SERVICE_DAY, last_day=SERVICE_DAY),
        "profile": Profile.objects.create(user=owner, annual_wrvu_target=Decimal("98765.43")),
        "repricing": ReleaseRepricing.objects.create(
            user=owner,
            release=Release.objects.get(name="RVU26C"),
            logs=2,
            work_rvu_before=Decimal("20.41"),
            work_rvu_after=Decimal("20.41"),
        ),
        "owner_program": program_create(director=owner, name="Egret program"),
        "director_program": director_program,
        "membership": ProgramMembership.objects.create(
            program=director_program,
            invited_email=owner.email,
            trainee=owner,
            invited_by=director,
            status=ProgramMembership.Status.ACTIVE,
        ),
        "invitation": ProgramMembership.objects.create(
            program=program_create(director=director, name="Director fellowship"),
            invited_email=owner.email,
            invited_by=director,
        ),
        "authenticator": Authenticator.objects.create(
            user=owner, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00" * 20, "used_mask": 0}
        ),
        "audit event": AuditEvent.objects.create(
            action=AuditEvent.Action.LOGIN, actor=owner, actor_email=owner.email
        ),
    }


def owner_secrets(owner: User, objects: dict) -> dict[str, str]:
    return {
        "email": owner.email,
        "log note": objects["log"].note,
        "case note": objects["case"].note,
        "line note": objects["case"].lines.get().note,
        "log client_id": str(objects["log"].client_id),
        "case client_id": str(objects["case"].client_id),
        "plan name": objects["plan"].name,
        "program name": objects["owner_program"].name,
        "profile target": str(objects["profile"].annual_wrvu_target),
    }


def url_targets(owner: User, objects: dict, upload: ReleaseUpload) -> dict[str, dict]:
    """URL arguments by target name: the owner's objects, the public ones and the staff's upload."""
    owned = (
        "log",
        "case",
        "plan",
        "assignment",
        "leave",
        "owner_program",
        "director_program",
        "membership",
        "invitation",
    )
    release = Release.objects.get(name="RVU26C")
    return {
        **{name: {"pk": objects[name].pk} for name in owned},
        "code": {"code": "99213"},
        "sitemap": {"section": "codes"},
        "release": {"name": release.name},
        "upload": {"pk": upload.pk},
        "upload_as_name": {"name": str(upload.pk)},
        "allauth": {"key": "no-such-key", "uidb36": "1"},
        "benchmark_set": {"pk": public_benchmark_set().pk},
        # <object_id> depends on the admin page's model: see admin_objects.
        "admin": {
            "id": owner.pk,
            "pk": release.pk,
            "content_type_id": ContentType.objects.get_for_model(ProcedureLog).pk,
            "app_label": "logs",
            "url": "no-such-page/",
        },
    }


def admin_objects(owner: User, objects: dict, upload: ReleaseUpload) -> dict[str, object]:
    """For each admin model page, the object its <object_id> names: the owner's where there is one."""
    release = Release.objects.get(name="RVU26C")
    return {
        "auth/group": Group.objects.create(name="Editors").pk,
        "account/emailaddress": owner.emailaddress_set.get().pk,
        "mfa/authenticator": objects["authenticator"].pk,
        "accounts/user": owner.pk,
        "accounts/profile": objects["profile"].pk,
        "accounts/program": objects["owner_program"].pk,
        "accounts/auditevent": objects["audit event"].pk,
        "codes/release": release.pk,
        "codes/code": "99213",
        "codes/feeschedulerow": FeeScheduleRow.objects.filter(release=release, code_id="99213").first().pk,
        "codes/releaseupload": upload.pk,
        **hcpcs_admin_objects(),
        "codes/curatedcodetext": CuratedCodeText.objects.create(code_id="99213", plain_language="A visit").pk,
        "logs/recomputerun": RecomputeRun.objects.first().pk,
        "r": objects["log"].pk,  # admin/r/<content_type_id>/<object_id>/: a log's "view on site"
        "benchmarks/benchmarkset": public_benchmark_set().pk,
    }


def hcpcs_admin_objects() -> dict[str, object]:
    """A HCPCS file with one code and one modifier, for the HCPCS admin pages."""
    hcpcs_file = HcpcsFile.objects.create(
        name="hcpcs.txt", records_file_name="hcpcs.txt", year=2026, effective_on=datetime.date(2026, 1, 1),
        sha256="0" * 64, record_count=2, code_count=1, modifier_count=1,
    )  # fmt: skip
    entry = {"file": hcpcs_file, "source_line": 1, "long_description": "Complex e/m visit add on"}
    return {
        "codes/hcpcsfile": hcpcs_file.pk,
        "codes/hcpcscode": HcpcsCode.objects.create(code_id="G2211", **entry).pk,
        "codes/hcpcsmodifier": HcpcsModifier.objects.create(modifier="AS", **entry).pk,
    }


def public_benchmark_set() -> BenchmarkSet:
    """A set built from public data, with one point, for the benchmark routes to name."""
    benchmark_set, created = BenchmarkSet.objects.get_or_create(
        slug="matrix-public-set",
        defaults={"name": "Public set", "kind": BenchmarkSet.Kind.PUBLIC_DATA, "source": "CMS", "year": 2023,
                  "method": "By hand.", "licence_note": "Public data."},
    )  # fmt: skip
    if created:
        percentiles = dict.fromkeys(["p10", "p25", "p50", "p75", "p90"], 1000)
        BenchmarkPoint.objects.create(
            benchmark_set=benchmark_set, specialty="Cardiology", provider_count=10, **percentiles
        )
    return benchmark_set


def owner_rows(owner: User, *, session_key: str) -> dict[str, list]:
    """Every row that is the owner's, or that ties someone to the owner's things, as plain values."""
    row_sets = {
        "user": User.objects.filter(pk=owner.pk),
        "profile": Profile.objects.filter(user=owner),
        "logs": ProcedureLog.objects.filter(Q(user=owner) | Q(case__user=owner)),
        "cases": Case.objects.filter(user=owner),
        "plans": CreditPlan.objects.filter(owner=owner),
        "plan assignments": PlanAssignment.objects.filter(Q(user=owner) | Q(plan__owner=owner)),
        "repricings": ReleaseRepricing.objects.filter(user=owner),
        "leave": Leave.objects.filter(user=owner),
        "programs": Program.objects.filter(directors=owner),
        "program directors": Program.directors.through.objects.filter(program__directors=owner),
        "memberships": ProgramMembership.objects.filter(
            Q(trainee=owner) | Q(invited_email=owner.email) | Q(program__directors=owner)
        ),
        "email addresses": EmailAddress.objects.filter(user=owner),
        "authenticators": Authenticator.objects.filter(user=owner),
        "session": Session.objects.filter(session_key=session_key),
    }
    return {name: list(rows.order_by("pk").values()) for name, rows in row_sets.items()}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back when the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        users = {
            "owner": create_persona("owner@example.org"),
            "other": create_persona("other@example.org"),
            "director": create_persona("director@example.org"),
            "staff": create_persona("staff@example.org", is_staff=True),
        }
        users["staff"].user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="codes", codename__in=RELEASE_UPLOAD_PERMISSIONS
            )
        )
        objects = create_owner_objects(users["owner"], users["director"])
        upload = ReleaseUpload.objects.create(
            file=ContentFile(b"code,description", name="upload.csv"), original_name="upload.csv", size=16,
            uploaded_by=users["staff"],
        )  # fmt: skip
        built = World(
            users=users,
            targets=url_targets(users["owner"], objects, upload),
            admin_objects=admin_objects(users["owner"], objects, upload),
            owner_secrets=owner_secrets(users["owner"], objects),
            sessions={persona: session_of(user) for persona, user in users.items()},
        )
        built.owner_rows = built.rows_of_owner()
        yield built
        transaction.set_rollback(True)


def session_of(user: User) -> str:
    return client_for(user).cookies[settings.SESSION_COOKIE_NAME].value


# Bodies for the writes that could reach someone else's object: each names the owner's objects
# where a careless view would take them. Other writes send {}.
BODIES = {
    "api/v1/logs/": lambda targets: {
        "code": "99213",
        "performed_on": "2026-08-03",
        "case": targets["case"]["pk"],
    },
    "api/v1/logs/<pk>/": lambda targets: {
        "code": "99214",
        "performed_on": "2026-08-04",
        "note": "taken over",
    },
    "api/v1/cases/<pk>/lines/": lambda targets: {"code": "99213", "note": "taken over"},
    "api/v1/plans/<pk>/": lambda targets: {"name": "Taken over"},
    "api/v1/plan-assignments/": lambda targets: {"plan": targets["plan"]["pk"], "starts_on": "2026-01-01"},
    "api/v1/wrvu/preview": lambda targets: {
        "performed_on": "2026-08-03",
        "lines": [{"code": "99213"}],
        "plan": targets["plan"]["pk"],
    },
    "api/v1/programs/<pk>/invitations/": lambda targets: {"email": "other@example.org"},
    "api/v1/me/profile/": lambda targets: {"annual_wrvu_target": "1.00"},
}


def url_arguments(world: World, key: str, rule: Rule) -> dict:
    arguments = dict(world.targets.get(rule.target, {}))
    if rule.target == "admin" and "<object_id>" in key:
        arguments["object_id"] = world.admin_objects[re.match(r"admin/(\w+/\w+|r)/", key)[1]]
    return arguments


def concrete_path(key: str, arguments: dict) -> str:
    return "/" + re.sub(r"<(\w+)>", lambda match: str(arguments[match[1]]), key)


def send(world: World, persona: str, method: str, path: str, body: dict):
    client = APIClient(raise_request_exception=False)  # a server error is a 500 to report, not a crash
    headers = {}
    if persona != "anonymous":
        # The session serves as the cookie (browser, API) and as allauth's app session token.
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
        headers["X-Session-Token"] = world.sessions[persona]
    cache.clear()  # DRF's throttles and allauth's rate limits count there; this many calls would trip them
    call = getattr(client, method.lower())
    if method in BODY_METHODS:
        return call(path, body, format="json", headers=headers)
    return call(path, headers=headers)


def response_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode(errors="replace")


@dataclass
class Findings:
    wrong_outcomes: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)  # answers that showed the owner's values to another
    writes: list[str] = field(default_factory=list)  # calls by another after which the owner's rows differ

    def report(self, key: str) -> str:
        lines = [*self.wrong_outcomes, *self.reads, *self.writes]
        counts = f"{len(self.reads)} reads and {len(self.writes)} writes of the owner's data"
        return f"{key}: {counts}, {len(self.wrong_outcomes)} wrong outcomes\n" + "\n".join(lines)


def judge(world: World, rule: Rule, persona: str, call: str, response, findings: Findings) -> None:
    expected = rule.access[persona]
    if not expected(response):
        findings.wrong_outcomes.append(f"{call}: got {response.status_code}, expected {expected.__name__}")
    if persona == "owner":
        return
    text = response_text(response)
    allowed_to_see = rule.director_sees if persona == "director" else ()
    shown = [
        name for name, value in world.owner_secrets.items() if value in text and name not in allowed_to_see
    ]
    if shown:
        findings.reads.append(f"{call}: READ the owner's {', '.join(shown)}")
    changed = [name for name, rows in world.rows_of_owner().items() if rows != world.owner_rows[name]]
    if changed:
        findings.writes.append(f"{call}: WROTE the owner's {', '.join(changed)}")


def check_rule(world: World, key: str, rule: Rule, findings: Findings) -> None:
    path = concrete_path(key, url_arguments(world, key, rule))
    assert route_key(resolve(path).route) == key, f"{path} does not reach {key}: fix its rule's target"
    body = BODIES.get(key, lambda targets: {})(world.targets)
    for persona in PERSONAS:
        for method in rule_methods(key, rule):
            with transaction.atomic():  # rolled back: every call sees the world as it was built
                response = send(world, persona, method, path, body)
                judge(world, rule, persona, f"{persona} {method} {path}", response, findings)
                transaction.set_rollback(True)


@pytest.mark.parametrize("key", sorted(ROUTES))
def test_each_persona_gets_only_what_the_route_rule_allows(key, world, db):
    rules = rules_for(key)
    assert rules, f"{key} has no rule: add one to RULES (or GROUP_RULES) in this file"
    covered = {method for rule in rules for method in rule_methods(key, rule)}
    methods = view_methods(key)
    assert methods is None or covered == set(methods), f"{key} answers {methods}; its rules cover {covered}"
    findings = Findings()

    for rule in rules:
        check_rule(world, key, rule, findings)

    if findings.wrong_outcomes or findings.reads or findings.writes:
        pytest.fail(findings.report(key), pytrace=False)


def test_every_rule_names_a_route_that_exists():
    stale = [key for key in RULES if key not in ROUTES]
    stale += [prefix for prefix in GROUP_RULES if not any(key.startswith(prefix) for key in ROUTES)]

    assert not stale, f"rules for routes that are gone: {stale}"


def test_a_director_reads_the_totals_a_trainee_shares(world, db):
    program = world.targets["director_program"]["pk"]

    response = send(world, "director", "GET", f"/api/v1/programs/{program}/trainees/?from=2026-01-01", {})

    rows = [(row["email"], row["count"], row["units"], row["work_rvu"]) for row in response.json()]
    assert rows == [("owner@example.org", 2, 2, "20.41")]  # 99213 and 27447, and no note or code


FORGED_ID = 10**9
CREDIT_FIELDS = ["user_id", "release_id", "fee_schedule_row_id", "credit_plan_id", "work_rvu"]


def forged_server_fields(world: World) -> dict:
    """Values for the fields the server sets, naming the other user and their things."""
    other = world.users["other"]
    return {
        "id": FORGED_ID,
        "user": other.pk,
        "owner": other.pk,
        "work_rvu": "999.99",
        "credit_explanation": "made up by the client",
        "release": "RVU25A",
        "fee_schedule_row": FeeScheduleRow.objects.filter(release__name="RVU25A", code_id="27447").first().pk,
        "credit_plan": CreditPlan.objects.create(owner=other, name="The other's plan").pk,
        "created_at": "2000-01-01T00:00:00Z",
        "updated_at": "2000-01-01T00:00:00Z",
    }


def credit_of(log_id: int) -> dict:
    return ProcedureLog.objects.filter(pk=log_id).values(*CREDIT_FIELDS, "credit_explanation").get()


def test_a_new_log_is_the_callers_and_credited_by_the_server_whatever_the_client_sends(world, db):
    visit = {"code": "99213", "performed_on": "2026-08-03"}
    honest = send(world, "owner", "POST", "/api/v1/logs/", visit)

    forged = send(world, "owner", "POST", "/api/v1/logs/", {**visit, **forged_server_fields(world)})

    assert forged.status_code == 201, forged.json()
    assert forged.json()["id"] != FORGED_ID
    assert credit_of(forged.json()["id"]) == credit_of(honest.json()["id"])
    assert credit_of(forged.json()["id"])["user_id"] == world.users["owner"].pk


def test_an_edit_cannot_move_a_log_to_someone_else_or_set_its_credit(world, db):
    log_id = world.targets["log"]["pk"]
    before = credit_of(log_id)
    changes = {"note": "edited", **forged_server_fields(world)}

    edited = send(world, "owner", "PATCH", f"/api/v1/logs/{log_id}/", changes)

    assert edited.status_code == 200, edited.json()
    assert credit_of(log_id) == before
    assert ProcedureLog.objects.get(pk=log_id).note == "edited"


def test_a_new_case_and_plan_are_the_callers_whatever_the_client_sends(world, db):
    forged = forged_server_fields(world)
    case = {"performed_on": "2026-08-03", "lines": [{"code": "99213"}], "note": "", **forged}

    created_case = send(world, "owner", "POST", "/api/v1/cases/", case)
    created_plan = send(world, "owner", "POST", "/api/v1/plans/", {"name": "Mine", **forged})

    assert (created_case.status_code, created_plan.status_code) == (201, 201)
    assert created_case.json()["work_rvu"] == "1.30"
    assert Case.objects.get(pk=created_case.json()["id"]).user == world.users["owner"]
    assert CreditPlan.objects.get(pk=created_plan.json()["id"]).owner == world.users["owner"]
