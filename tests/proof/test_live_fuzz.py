"""Live fuzzing: schemathesis against a real web process (gunicorn, two workers) over HTTP, with
a JWT from the server's own token endpoint, as alice acting as a store that already has a source
video, segment, project, clip, job, preset, publication and cost entry (tests.proof.world), and
Postiz and ElevenLabs answered by the loopback fakes. The server reads the rows this test commits
(transactional database) and the test process's media folder; no django-q2 cluster runs, so the
jobs the fuzz starts stay queued and nothing expensive happens.

Every operation of /api/schema/ (the test-only /api/v1/test/ routes left out), in rounds:
- per operation (reads, creations, edits, reads again over what the edits stored, deletions
  last): requests valid by the schema and invalid by it, ids the generator meant as valid
  swapped for the world's rows (tests.proof.fuzz_ids) so that requests reach the views;
- probes on the first accepted request of each operation, for what random generation rarely
  draws and this API has answered 500 to: a NUL or a non-Latin-1 text in one field at a time
  (PostgreSQL refuses NUL in text and jsonb; HTTP headers carry Latin-1 only), and the body in
  a media type the operation does not document but the parsers accept (JSON for a form);
- stateful: scenarios that chain operations along the links schemathesis infers from the schema
  (a created row's id into its item routes, a list's ids into its items, a job's id into
  /jobs/{id}/...). A live server answers differently on a replay, which Hypothesis reports as a
  flaky strategy: that ends a run, and the next run (another seed) goes on.

No answer may be a 5xx or a dropped connection. The fuzz edits the acting store (not deletes it)
with whatever it generates, so its reads meet odd stored values; its Postiz URL stays the fake's
and the fake takes any key, so a 502 is a bug rather than a made-up key. On failure the message
lists every server error with its request and the tracebacks from the web process's log.
Bounded for CI: seeded, no shrinking, no example database; about 70 s on two quiet cores.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis.generation import GenerationMode

from tests.conftest import PASSWORD
from tests.fakes import elevenlabs, postiz
from tests.fakes.server import running
from tests.proof.fuzz_ids import is_uuid, retarget
from tests.proof.world import build_world
from tests.scale.stack import free_port, process
from tests.worker import worker_env

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Examples per operation (valid, invalid, valid reads again), stateful scenarios x steps.
VALID, INVALID, REREAD = 12, 7, 3
SCENARIOS, STEPS, MAX_STATEFUL_RUNS = 80, 10, 8
MIN_CASES = 2000
REQUEST_TIMEOUT = 60.0
FUZZ = {"deadline": None, "database": None, "suppress_health_check": list(HealthCheck), "phases": [Phase.generate]}
ROUNDS = [  # (methods, valid examples, invalid examples, probes)
    (("GET",), VALID, INVALID, True),
    (("POST",), VALID, INVALID, True),
    (("PUT",), VALID, INVALID, True),
    (("PATCH",), VALID, INVALID, True),  # after PUT: a PATCH probe's odd value stays for the reads
    (("GET",), REREAD, 0, False),
    (("DELETE",), VALID, INVALID, True),
]
PROBE_TEXTS = ("\x00", "ключ-🔑")
FORM_KEYWORDS = {"properties", "$ref", "oneOf", "anyOf", "allOf", "enum"}  # not a free-form object
TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout)


@dataclass
class ServerError:
    phase: str
    operation: str
    status: int | str
    request: str
    answer: str


@dataclass
class Tally:
    """Every request sent, and the server errors among the answers."""

    cases: Counter = field(default_factory=Counter)  # answered requests, per phase
    statuses: Counter = field(default_factory=Counter)  # per class: 2, 4, 5
    operations: set[str] = field(default_factory=set)
    errors: list[ServerError] = field(default_factory=list)
    scenarios: int = 0

    def send(self, phase: str, case: Any, **kwargs: Any) -> Any:
        try:
            response = case.call(**kwargs)
        except TRANSPORT_ERRORS as exc:  # a worker that died or hung on this request
            self.errors.append(ServerError(phase, case.operation.label, type(exc).__name__, _request(case), str(exc)))
            raise
        self.cases[phase] += 1
        self.statuses[response.status_code // 100] += 1
        self.operations.add(case.operation.label)
        if response.status_code >= 500:
            error = ServerError(phase, case.operation.label, response.status_code, _request(case), response.text[:300])
            self.errors.append(error)
        return response

    def report(self, log: str) -> str:
        lines = [f"{len(self.errors)} server error(s):"]
        for e in self.errors:
            lines += [f"- [{e.phase}] {e.operation} -> {e.status}", f"    {e.request}", f"    answer: {e.answer}"]
        tracebacks = server_tracebacks(log)
        lines += [f"{len(tracebacks)} distinct traceback(s) in the web process's log:", *tracebacks]
        return "\n".join(lines)


def _request(case: Any) -> str:
    body = case.body if isinstance(case.body, (dict, list, str, bytes)) else "-"
    return f"{case.method} {case.formatted_path} query={case.query!r} {case.media_type or ''} body={body!r}"[:2000]


def server_tracebacks(log: str) -> list[str]:
    """The tracebacks Django logged, each with its request line (one per distinct last line),
    and gunicorn's worker timeouts. Every log line starts with "["; a traceback's lines do not."""
    found: dict[str, str] = {}
    for block in re.split(r"\n(?=\[)", log):
        if "Traceback (most recent call last)" in block or "WORKER TIMEOUT" in block:
            found.setdefault(block.strip().splitlines()[-1], block.strip())
    return list(found.values())


@contextmanager
def web_process(folder: Path, **extra: str) -> Iterator[tuple[str, Any]]:
    """gunicorn (test settings) on this test's database, media and temp folders; yields its URL
    and the process (for its log)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "gunicorn", "editai.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--preload", "--timeout", str(int(REQUEST_TIMEOUT)), "--graceful-timeout", "5",
            "--no-control-socket"]  # fmt: skip
    with process("web", argv, folder, lambda: httpx.get(f"{url}/api/v1/health/", timeout=2).status_code == 200,
                 env=worker_env(**extra), timeout=60) as web:  # fmt: skip
        yield url, web


class AnyKeyPostiz(postiz.PostizState):
    """The fake Postiz, where any key the fuzz stores on a profile opens an organization of its
    own: the acting store's Postiz keeps answering whatever key it was given."""

    def __init__(self) -> None:
        super().__init__(rate_limit=1_000_000)
        self.orgs = _OrgPerKey()


class _OrgPerKey(dict):
    def get(self, key: Any, default: Any = None) -> Any:
        if key and key not in self:
            self[key] = postiz.Org(name="fuzz", channels={"fz-x": postiz.Channel(id="fz-x", identifier="x")})
        return super().get(key, default)


def _with_text(value: Any, text: str) -> Any:
    """`value` with `text` in each of its strings (a mapping without strings gets an entry with
    it); None when the value holds no string to put it in."""
    if isinstance(value, str) and not hasattr(value, "data"):  # schemathesis' Binary is a str
        return value + text
    if isinstance(value, list):
        items = [_with_text(item, text) for item in value]
        return items if any(item is not None for item in items) else None
    if isinstance(value, dict):
        changed = {k: _with_text(v, text) for k, v in value.items()}
        if any(v is not None for v in changed.values()):
            return {k: value[k] if changed[k] is None else changed[k] for k in value}
        return {**value, f"probe{text}": text}
    return None


def _flat(value: Any) -> Any:
    """A JSON value as one form field (the parsers give a form's fields as strings)."""
    if hasattr(value, "data"):
        return value.data
    return value if isinstance(value, str) else json.dumps(value)


def _plain(value: Any) -> Any:
    """A form value as JSON (file contents become text)."""
    if hasattr(value, "data") or isinstance(value, bytes):
        return "sample"
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _properties(case: Any) -> dict[str, Any]:
    for body in case.operation.body:
        if body.media_type == case.media_type:
            return body.resolved_schema.get("properties", {})
    return {}


def _empty(definition: dict[str, Any]) -> Any:
    """An empty value of a documented body field that is free text or a free-form object."""
    if definition.get("type") == "string" and not {"enum", "format", "pattern"} & set(definition):
        return ""
    if definition.get("type", "object") == "object" and not FORM_KEYWORDS & set(definition):
        return {}
    return None


def probes(case: Any) -> Iterator[Any]:
    """Variants of an accepted case: one field at a time (documented ones the case left out too)
    with a NUL or a non-Latin-1 text, and the whole body in the media type the operation does not
    document. A PATCH variant sends its one field only, so what it stores stays stored."""
    if isinstance(case.body, dict):
        absent = {name: _empty(definition) for name, definition in _properties(case).items() if name not in case.body}
        for name, value in {**absent, **case.body}.items():
            for text in PROBE_TEXTS:
                if value is None or (hostile := _with_text(value, text)) is None:
                    continue
                variant = case.derive()
                variant.body = {name: hostile} if case.method.upper() == "PATCH" else {**case.body, name: hostile}
                yield variant
        variant = case.derive()
        if case.media_type == "application/json":
            variant.body = {k: _flat(v) for k, v in case.body.items()}
            variant.media_type = "multipart/form-data"
        else:
            variant.body = {k: _plain(v) for k, v in case.body.items()}
            variant.media_type = "application/json"
        yield variant
    for name, value in (case.query or {}).items():
        for text in PROBE_TEXTS:
            if isinstance(value, str):
                yield case.derive(query={**case.query, name: value + text})


def fuzz_operations(operations: list[Any], send: Callable[[Any], Any]) -> None:
    for methods, valid, invalid, probe in ROUNDS:
        for operation in sorted((op for op in operations if op.method.upper() in methods), key=lambda op: op.label):
            _fuzz(operation, GenerationMode.POSITIVE, valid, send, probe=probe)
            if invalid:
                _fuzz(operation, GenerationMode.NEGATIVE, invalid, send, probe=False)


def _fuzz(operation: Any, mode: GenerationMode, examples: int, send: Callable[[Any], Any], *, probe: bool) -> None:
    """`examples` generated cases, then (with `probe`) the probes of the first accepted one."""
    chosen: list[Any] = []  # [case, status]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, derandomize=True, **FUZZ)
    def fuzz(case: Any) -> None:
        status = send(case).status_code
        if not chosen or (status < 300 <= chosen[1]):
            chosen[:] = [case, status]

    with suppress(Unsatisfiable):  # nothing invalid to generate: an operation without inputs
        fuzz()
    if probe and chosen:
        for variant in probes(chosen[0]):
            send(variant)


def fuzz_scenarios(schema: Any, tally: Tally, send: Callable[[Any], Any]) -> int:
    """Stateful scenarios until SCENARIOS ran; returns the number of links they could follow."""

    class Live(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            tally.scenarios += 1

        def call(self, case: Any, **kwargs: Any) -> Any:
            return send(case)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            """The tally judged the answer already."""

    for run in range(1, MAX_STATEFUL_RUNS + 1):
        remaining = SCENARIOS - tally.scenarios
        if remaining <= 0:
            break
        machine_settings = settings(max_examples=remaining, stateful_step_count=STEPS, derandomize=False, **FUZZ)
        # A live server answers differently on a replay (Flaky), and Hypothesis may give up
        # drawing a scenario (Unsatisfiable): either way the next seed goes on.
        with suppress(Flaky, Unsatisfiable):
            seed(run)(Live).run(settings=machine_settings)
    return schema.statistic.transitions.selected


def test_it_answers_a_live_fuzz_without_server_errors(tmp_path: Path, cast: Any, samples: Any) -> None:
    started = time.monotonic()
    world = build_world(cast.store_a, samples, tag="fuzz")  # the rows generated ids are swapped for
    build_world(cast.store_a, samples, tag="chain")  # rows the scenarios find in lists, after deletions
    tally = Tally()
    with ExitStack() as stack:
        pz = stack.enter_context(running(postiz.PostizHandler, AnyKeyPostiz()))
        el = stack.enter_context(running(elevenlabs.ElevenLabsHandler, elevenlabs.ElevenLabsState()))
        cast.store_a.postiz_api_url, cast.store_a.postiz_api_key = pz.url, postiz.KEY_A
        cast.store_a.save(update_fields=["postiz_api_url", "postiz_api_key"])
        url, web = stack.enter_context(
            web_process(
                tmp_path,
                ELEVENLABS_API_KEY=elevenlabs.KEY,
                ELEVENLABS_BASE_URL=el.url,
                EDITAI_POSTIZ_TIMEOUT="5",
                ELEVENLABS_TIMEOUT="5",
                # The fuzz fails to log in and starts jobs far more often than people do: the
                # limits are raised rather than operations left out (the test settings already
                # raise the auth and registration throttles).
                EDITAI_LOGIN_FAILURES="1000000",
                EDITAI_MAX_QUEUED_JOBS_PER_PROFILE="1000000",
                # Whatever URL the fuzz stores, nothing leaves the machine.
                HTTP_PROXY="http://127.0.0.1:9",
                HTTPS_PROXY="http://127.0.0.1:9",
                NO_PROXY="127.0.0.1,localhost",
            )
        )
        login = httpx.post(f"{url}/api/v1/auth/token/", json={"username": "alice", "password": PASSWORD}, timeout=30)
        assert login.status_code == 200, f"{login.text}\n{web.output()[-5000:]}"
        headers = {"Authorization": f"Bearer {login.json()['access']}", "X-Profile-Id": str(cast.store_a.pk)}
        schema = schemathesis.openapi.from_url(f"{url}/api/schema/", timeout=60).exclude(path_regex=r"^/api/v1/test/")
        operations = [result.ok() for result in schema.get_all_operations()]
        loaded = per_operation = time.monotonic()
        links = 0

        def keep_postiz_reachable(case: Any) -> None:
            """A Postiz URL the generator meant as valid, or none, becomes the fake's: the acting
            store keeps a Postiz that answers (no other would)."""
            given = case.body.get("postiz_api_url") if isinstance(case.body, dict) else None
            if isinstance(given, str) and (given == "" or given.startswith(("http://", "https://"))):
                case.body["postiz_api_url"] = pz.url

        def send_generated(case: Any) -> Any:
            retarget(case, world, cast.store_b)
            editing_a_store = case.path == "/api/v1/profiles/{id}/" and case.method.upper() in ("PUT", "PATCH")
            if editing_a_store and is_uuid(case.path_parameters.get("id")):
                case.path_parameters["id"] = str(cast.store_a.pk)  # deletions go to the spare store
            keep_postiz_reachable(case)
            return tally.send("operations", case, base_url=url, headers=headers, timeout=REQUEST_TIMEOUT)

        def send_step(case: Any) -> Any:
            deleting_a_store = case.path.startswith("/api/v1/profiles/{id}") and case.method.upper() == "DELETE"
            if deleting_a_store and case.path_parameters.get("id") == str(cast.store_a.pk):
                case.path_parameters["id"] = str(cast.store_b.pk)
            keep_postiz_reachable(case)
            return tally.send("stateful", case, base_url=url, headers=headers, timeout=REQUEST_TIMEOUT)

        with suppress(*TRANSPORT_ERRORS):  # recorded by the tally, reported below with the log
            fuzz_operations(operations, send_generated)
            per_operation = time.monotonic()
            links = fuzz_scenarios(schema, tally, send_step)
        finished = time.monotonic()
        log = web.output()

    total = sum(tally.cases.values())
    print(
        f"\nlive fuzz: {len(operations)} operations, {total} cases ({dict(tally.cases)}, {tally.scenarios} scenarios),"
        f" {links} links, answers by class {dict(sorted(tally.statuses.items()))}, {len(tally.errors)} server errors;"
        f" setup {loaded - started:.0f} s, per operation {per_operation - loaded:.0f} s,"
        f" stateful {finished - per_operation:.0f} s, total {finished - started:.0f} s"
    )
    assert not tally.errors, tally.report(log)
    assert {op.label for op in operations} - tally.operations == set()
    assert total >= MIN_CASES
    assert links and tally.cases["stateful"] >= SCENARIOS  # the stateful phase ran, along inferred links
