"""Latency and throughput of the RVU Edge API under concurrent clients.

Run it against a server that is already up (see bench/README.md). It measures
three workloads one after the other, each with the same number of client
threads, and compares the two API workloads to GET /healthz measured in the
same run, so that the figures say what the API costs beyond the server itself:

  healthz   GET /healthz, a bare Django view: the floor for this server and machine
  search    GET /api/v1/codes/?q=..., public code search over the release in effect
  page      GET /codes/{code}/, a code's public HTML page (cached once rendered, as visitors get it)
  log       POST /api/v1/logs/, authenticated, a new client_id each time (always a 201)

Standard library only, so it runs with any Python 3.11 without installing anything.
"""

import argparse
import dataclasses
import datetime
import http.client
import json
import math
import os
import random
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# What a physician types into the code search: words, code prefixes, exact codes.
SEARCH_QUERIES = (
    "knee arthroplasty",
    "2744",
    "99213",
    "office visit",
    "colonoscopy",
    "G2211",
    "hip",
    "injection joint",
    "echocardiography",
    "993",
    "new patient",
    "x-ray chest",
)
# Codes valued in every bundled release, with a global row, so each log is a 201.
LOGGED_CODES = ("99213", "99214", "99203", "27447", "45378", "20610", "71046", "93000", "G2211", "11102")
FIRST_LOGGED_DAY = datetime.date(2025, 1, 1)
MAX_ERROR_BODIES = 3
ERROR_BODY_CHARS = 300
NO_RESPONSE = "no response"


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


# Builds the i-th request of client number `client`.
RequestFactory = Callable[[int, int], Request]


@dataclasses.dataclass
class Workload:
    name: str
    make_request: RequestFactory


@dataclasses.dataclass
class ClientOutcome:
    latencies_ms: list[float] = dataclasses.field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = dataclasses.field(default_factory=list)
    connections_opened: int = 0
    stopped_by_time_cap: bool = False


@dataclasses.dataclass
class WorkloadResult:
    name: str
    requests: int
    errors: int
    error_samples: list[str]
    connections_opened: int
    stopped_by_time_cap: bool
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    throughput_per_s: float


@dataclasses.dataclass(frozen=True)
class Target:
    """The server under test and how the clients talk to it."""

    host: str
    port: int
    timeout: float
    keep_alive: bool = True

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)


class Client:
    """One simulated app on one connection, kept alive (unless --no-keep-alive) and reopened if it breaks."""

    def __init__(self, target: Target):
        self.target = target
        self.outcome = ClientOutcome()
        self.connection: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        """Open the connection ahead of the clock, so a burst of connects is not timed.

        runserver's listen backlog is short; when 20 clients connect at once some
        SYNs are dropped and retried a second later, which would show up as a
        one-second request. A failure here is left for send() to retry and report.
        """
        self.connection = self.target.connection()
        self.outcome.connections_opened += 1
        try:
            self.connection.connect()
        except OSError:
            self.close()

    def send(self, request: Request) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = self.target.connection()
            self.outcome.connections_opened += 1
        headers = request.headers if self.target.keep_alive else {**request.headers, "Connection": "close"}
        try:
            self.connection.request(request.method, request.path, body=request.body, headers=headers)
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        # The server may decline keep-alive (no Content-Length, or an error); follow its lead.
        if response.will_close or not self.target.keep_alive:
            self.close()
        return response.status, body

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def run_client(
    client: Client, workload: Workload, client_number: int, request_count: int, deadline: float
) -> ClientOutcome:
    outcome = client.outcome
    for index in range(request_count):
        if time.monotonic() >= deadline:
            outcome.stopped_by_time_cap = True
            break
        request = workload.make_request(client_number, index)
        started = time.perf_counter()
        try:
            status, body = client.send(request)
        except (OSError, http.client.HTTPException) as error:
            status, body = None, f"{type(error).__name__}: {error}".encode()
        outcome.latencies_ms.append((time.perf_counter() - started) * 1000)
        if status is None or not 200 <= status < 300:
            record_error(outcome, request, status, body)
    return outcome


def record_error(outcome: ClientOutcome, request: Request, status: int | None, body: bytes) -> None:
    outcome.errors += 1
    if len(outcome.error_samples) < MAX_ERROR_BODIES:
        text = body[:ERROR_BODY_CHARS].decode("utf-8", errors="replace")
        outcome.error_samples.append(f"{request.method} {request.path} -> {status or NO_RESPONSE}: {text}")


def run_workload(
    target: Target, workload: Workload, clients: int, requests_per_client: int, deadline: float
) -> WorkloadResult:
    # The barrier starts every client at once, after all have connected, so the
    # wall clock covers concurrent requests only.
    barrier = threading.Barrier(clients + 1, timeout=target.timeout + 10)

    def client_job(number: int) -> ClientOutcome:
        client = Client(target)
        try:
            client.connect()
            barrier.wait()
            return run_client(client, workload, number, requests_per_client, deadline)
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(client_job, number) for number in range(clients)]
        barrier.wait()
        started = time.perf_counter()
        outcomes = [future.result() for future in futures]
        seconds = time.perf_counter() - started
    return summarize(workload.name, outcomes, seconds)


def summarize(name: str, outcomes: list[ClientOutcome], seconds: float) -> WorkloadResult:
    latencies = sorted(latency for outcome in outcomes for latency in outcome.latencies_ms)
    samples = [sample for outcome in outcomes for sample in outcome.error_samples][:MAX_ERROR_BODIES]
    return WorkloadResult(
        name=name,
        requests=len(latencies),
        errors=sum(outcome.errors for outcome in outcomes),
        error_samples=samples,
        connections_opened=sum(outcome.connections_opened for outcome in outcomes),
        stopped_by_time_cap=any(outcome.stopped_by_time_cap for outcome in outcomes),
        seconds=seconds,
        p50_ms=percentile(latencies, 50),
        p90_ms=percentile(latencies, 90),
        p99_ms=percentile(latencies, 99),
        max_ms=latencies[-1] if latencies else float("nan"),
        throughput_per_s=len(latencies) / seconds if seconds > 0 else float("nan"),
    )


def percentile(sorted_values: list[float], percent: float) -> float:
    """Nearest-rank percentile: a latency some request really had, not an interpolation."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(percent / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def healthz_workload() -> Workload:
    return Workload("healthz", lambda client, index: Request("GET", "/healthz"))


def search_workload() -> Workload:
    def make_request(client: int, index: int) -> Request:
        # Clients start at different queries so they do not all ask the same thing at once.
        query = SEARCH_QUERIES[(client + index) % len(SEARCH_QUERIES)]
        return Request("GET", "/api/v1/codes/?" + urllib.parse.urlencode({"q": query}))

    return Workload("search", make_request)


# Public pages people land on from a search engine: valued CPT codes, HCPCS-only codes, an S code.
PAGE_CODES = ("27447", "99213", "S9381", "G2211", "71046", "E0100", "99214", "J1885", "0591T", "45378")


def page_workload() -> Workload:
    def make_request(client: int, index: int) -> Request:
        return Request("GET", f"/codes/{PAGE_CODES[(client + index) % len(PAGE_CODES)]}/")

    return Workload("page", make_request)


def log_workload(session_token: str, seed: int) -> Workload:
    # The server refuses dates of service more than a day ahead; stay at or before today.
    last_day = min(datetime.date.today(), datetime.date(2026, 12, 31))
    span_days = (last_day - FIRST_LOGGED_DAY).days
    headers = {"Content-Type": "application/json", "X-Session-Token": session_token}

    def make_request(client: int, index: int) -> Request:
        # Seeded per request, so a run is repeatable and needs no lock between threads.
        chooser = random.Random(f"{seed}-{client}-{index}")
        performed_on = FIRST_LOGGED_DAY + datetime.timedelta(days=chooser.randint(0, span_days))
        body = {
            "code": chooser.choice(LOGGED_CODES),
            "performed_on": performed_on.isoformat(),
            "client_id": str(uuid.uuid4()),
        }
        return Request("POST", "/api/v1/logs/", json.dumps(body).encode(), headers)

    return Workload("log", make_request)


def log_in(target: Target, email: str, password: str) -> str:
    """Log in once through the app API; every client then shares the session token.

    One login rather than one per client: allauth rate-limits logins per IP, and
    a login is not what we are measuring.
    """
    body = json.dumps({"email": email, "password": password}).encode()
    connection = target.connection()
    try:
        connection.request(
            "POST", "/_allauth/app/v1/auth/login", body=body, headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    if response.status != 200:
        sys.exit(f"Login as {email} failed with HTTP {response.status}: {payload[:ERROR_BODY_CHARS]!r}")
    return json.loads(payload)["meta"]["session_token"]


def server_software(target: Target) -> str:
    """The Server header of /healthz: tells runserver from gunicorn in the report."""
    connection = target.connection()
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return response.getheader("Server", "not given")
    finally:
        connection.close()


def print_header(args: argparse.Namespace, software: str) -> None:
    connections = "a new connection per request" if args.no_keep_alive else "one keep-alive connection each"
    print(f"RVU Edge API latency  {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"server      {args.base_url}  ({software})")
    print(f"database    {args.database_label}")
    print(
        f"clients     {args.clients} threads x {args.requests_per_client} requests per workload, "
        f"{connections}, warm-up {args.warmup_requests} per client, time cap {args.time_cap:.0f} s"
    )
    # Other work on the machine slows every figure; the load average says how busy it was.
    print(f"load        {' '.join(f'{load:.2f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs")
    if software.startswith("WSGIServer") and not args.no_keep_alive:
        # runserver (wsgiref) sends each response in several small writes without TCP_NODELAY;
        # on a reused connection Nagle waits for the client's delayed ACK, about 40 ms on Linux.
        print("note        runserver adds ~40 ms to every keep-alive request; see bench/README.md")
    print()


def print_results(results: list[WorkloadResult]) -> None:
    baseline = results[0]
    print(
        f"{'workload':<9} {'requests':>8} {'errors':>6} {'conns':>5} {'p50 ms':>8} {'p90 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'req/s':>8}   {'p50 x':>6} {'p99 x':>6} {'req/s x':>7}"
    )
    for result in results:
        print(
            f"{result.name:<9} {result.requests:>8} {result.errors:>6} {result.connections_opened:>5} "
            f"{result.p50_ms:>8.1f} {result.p90_ms:>8.1f} {result.p99_ms:>8.1f} {result.max_ms:>8.1f} "
            f"{result.throughput_per_s:>8.1f}   {ratio(result.p50_ms, baseline.p50_ms):>6.2f} "
            f"{ratio(result.p99_ms, baseline.p99_ms):>6.2f} "
            f"{ratio(result.throughput_per_s, baseline.throughput_per_s):>7.2f}"
        )
    print("(x columns: this workload divided by healthz from the same run; conns: connections opened)")
    for result in results:
        if result.stopped_by_time_cap:
            print(f"\n{result.name}: stopped by the time cap before every request was sent.")
        if result.error_samples:
            print(f"\n{result.name}: first errors")
            for sample in result.error_samples:
                print(f"  {sample}")
    if any(NO_RESPONSE in sample for result in results for sample in result.error_samples):
        # runserver's autoreloader restarts the server whenever a source file is saved.
        print(
            "\nSome requests got no response: the server stopped or restarted during the run "
            "(runserver reloads on every code change); these figures are not comparable."
        )


def ratio(value: float, baseline: float) -> float:
    return value / baseline if baseline else float("nan")


def write_json(path: Path, args: argparse.Namespace, software: str, results: list[WorkloadResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "base_url": args.base_url,
        "server": software,
        "database": args.database_label,
        "clients": args.clients,
        "requests_per_client": args.requests_per_client,
        "keep_alive": not args.no_keep_alive,
        "warmup_requests": args.warmup_requests,
        "load_average": os.getloadavg(),
        "workloads": [dataclasses.asdict(result) for result in results],
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nWrote {path}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--email", default="demo@rvuedge.local")
    parser.add_argument(
        "--password", help="printed by scripts/run (manage.py demo_user); for the log workload"
    )
    parser.add_argument(
        "--workloads",
        nargs="+",
        choices=["search", "page", "log"],
        default=["search", "page", "log"],
        help="measured after healthz, which always runs as the yardstick",
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent client threads")
    parser.add_argument("--requests-per-client", type=int, default=50)
    parser.add_argument("--warmup-requests", type=int, default=5, help="per client and workload, not counted")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for one response")
    parser.add_argument("--time-cap", type=float, default=300.0, help="whole run, warm-up included")
    parser.add_argument(
        "--no-keep-alive", action="store_true", help="open a new connection for every request"
    )
    parser.add_argument("--seed", type=int, default=2026, help="picks the logged codes and dates")
    parser.add_argument(
        "--database-label", default="not given", help="what to print as the server's database, e.g. SQLite"
    )
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()
    if urllib.parse.urlsplit(args.base_url).scheme != "http":
        parser.error("--base-url must be a plain http:// URL (a local server)")
    if "log" in args.workloads and not args.password:
        parser.error("the log workload needs --password (or leave it out with --workloads search page)")
    if args.clients < 1 or args.requests_per_client < 1:
        parser.error("--clients and --requests-per-client must be at least 1")
    return args


def main() -> None:
    args = parse_args()
    url = urllib.parse.urlsplit(args.base_url)
    target = Target(url.hostname, url.port or 80, args.timeout, keep_alive=not args.no_keep_alive)
    deadline = time.monotonic() + args.time_cap
    try:
        software = server_software(target)
    except OSError as error:
        sys.exit(f"No server answers at {args.base_url} ({error}); start one with scripts/run first.")
    print_header(args, software)
    workloads = [healthz_workload()]
    if "search" in args.workloads:
        workloads.append(search_workload())
    if "page" in args.workloads:
        workloads.append(page_workload())
    if "log" in args.workloads:
        workloads.append(log_workload(log_in(target, args.email, args.password), args.seed))

    if args.warmup_requests:
        # Opens database connections, fills caches and loads lazy imports; its figures are dropped.
        for workload in workloads:
            run_workload(target, workload, args.clients, args.warmup_requests, deadline)
    results = [
        run_workload(target, workload, args.clients, args.requests_per_client, deadline)
        for workload in workloads
    ]

    print_results(results)
    if args.json_out:
        write_json(args.json_out, args, software, results)


if __name__ == "__main__":
    main()
