"""Bad input across the API: every case must be answered with a 4xx (never a 5xx) and write
nothing — no row of any product model, no file under MEDIA_ROOT or TEMP_ROOT, no change to the
profile's existing rows. Each case is its own test id (`bad-input[<id>]`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.forms.models import model_to_dict

from profiles.tenancy import unscoped
from tests.conftest import api_client_for
from tests.proof.world import Samples, World, files_on_disk, row_counts

HUGE = 2**63
LONG = "n" * 10_000
RTL = "\u202e" + "متجر" * 2_500  # right-to-left override and Arabic, 10k characters
EMOJI = "🛒🔥" * 5_000
P = "/api/v1/library/projects/"
V = "/api/v1/library/source-videos/"
C = "/api/v1/library/clips/"
S = "/api/v1/library/segments/"
T = "/api/v1/tools/"
W = "/api/v1/webhooks/"


@dataclass(frozen=True)
class Bad:
    id: str
    method: str
    path: str  # {video} {segment} {project} {clip} {job} {preset}: ids of alice's Store A world
    json: Any = None  # a JSON body (callable: built from the world's ids)
    raw: bytes | str | None = None  # a raw body sent as-is with content_type
    content_type: str = "application/json"
    upload: tuple[str, str] | None = None  # multipart "file": (sample name or bytes recipe, file name)
    headers: dict[str, str] = field(default_factory=dict)
    expect: int | None = None  # the exact 4xx, where the API promises one


def _tv(**extra: Any) -> Any:
    return lambda w: {"source_video": str(w.video.pk), **extra}


CASES = [
    # malformed JSON
    Bad("json-truncated", "post", P, raw='{"name": "x",', expect=400),
    Bad("json-single-quotes", "post", S, raw="{'source_video': 'x'}", expect=400),
    Bad("json-nan", "post", P, raw='{"name": "x", "target_duration": NaN}', expect=400),
    Bad("json-infinity", "post", f"{T}trim/", raw='{"start": 0, "end": Infinity}', expect=400),
    Bad("json-array-not-object", "post", P, raw="[1, 2, 3]", expect=400),
    Bad("json-bare-string", "patch", f"{C}{{clip}}/content/", raw='"hello"', expect=400),
    Bad("json-trailing-garbage", "patch", f"{P}{{project}}/", raw='{"name": "a"}{"name": "b"}', expect=400),
    Bad("json-empty-body", "post", P, raw="", expect=400),
    Bad("json-invalid-utf8", "post", P, raw=b'{"name": "\xff\xfe"}', expect=400),
    # wrong types
    Bad("type-list-for-name", "post", P, json={"name": ["a", "b"]}, expect=400),
    Bad("type-string-count", "post", f"{P}{{project}}/generate/", json=_tv(variant_count="three"), expect=400),
    Bad("type-string-start", "post", S, json=_tv(start="zero", end=1), expect=400),
    Bad("type-object-for-id", "post", f"{T}trim/", json={"source_video": {"id": 1}, "start": 0, "end": 1}),
    Bad("type-string-for-list", "post", f"{C}bulk-render/", json=lambda w: {"clips": str(w.clip.pk)}, expect=400),
    Bad("type-object-for-items", "post", f"{T}concatenate/", json={"items": {"a": 1}}, expect=400),
    Bad("type-list-caption-style", "patch", f"{C}{{clip}}/content/", json={"caption_style": [1, 2]}, expect=400),
    Bad("type-bool-for-duration", "post", f"{T}trim/", json=_tv(start=True, end=1)),
    # huge numbers
    Bad("huge-variant-count", "post", f"{P}{{project}}/generate/", json=_tv(variant_count=1e308), expect=400),
    Bad(
        "huge-seed",
        "post",
        f"{P}{{project}}/generate-from-segments/",
        json={"variant_count": 1, "selection_mode": "random", "seed": HUGE},
        expect=400,
    ),  # fmt: skip
    Bad("huge-target-duration", "post", P, json={"name": "big", "target_duration": 1e308}, expect=400),
    Bad("huge-preset-width", "post", "/api/v1/library/presets/", json={"name": "wide", "width": HUGE}, expect=400),
    Bad(
        "huge-interval",
        "post",
        "/api/v1/publishing/bulk/",
        json=lambda w: {
            "clips": [str(w.clip.pk)],
            "integration_ids": ["i"],
            "start_at": "2030-01-01T00:00:00Z",
            "interval_minutes": HUGE,
        },
        expect=400,
    ),  # fmt: skip
    Bad("huge-page-number", "get", "/api/v1/jobs/?page=99999999999999999999", expect=404),
    Bad("huge-year-in-since", "get", "/api/v1/costs/summary/?since=99999-01-01", expect=400),
    Bad("huge-segment-times", "post", S, json=_tv(start=1e308, end=1e308)),
    # negative, reversed and out-of-range times (the video lasts 1 s)
    Bad("time-negative-start", "post", f"{T}trim/", json=_tv(start=-5, end=1), expect=400),
    Bad("time-reversed-trim", "post", f"{T}trim/", json=_tv(start=0.9, end=0.1), expect=400),
    Bad("time-reversed-segment", "post", S, json=_tv(start=0.8, end=0.2), expect=400),
    Bad("time-negative-segment", "post", S, json=_tv(start=-1, end=0.5), expect=400),
    Bad("time-reversed-interval", "post", f"{T}mute-voice/", json=_tv(intervals=[{"start": 0.9, "end": 0.1}])),
    Bad(
        "time-negative-card",
        "post",
        f"{T}templates/intro/render/",
        json=_tv(fields={"full_name": "Ada", "role": "CTO"}, start=-3, duration=-1),
        expect=400,
    ),  # fmt: skip
    Bad("time-beyond-trim", "post", f"{T}trim/", json=_tv(start=5, end=10), expect=400),
    Bad("time-beyond-segment", "post", S, json=_tv(start=0, end=99)),
    Bad(
        "time-beyond-concat",
        "post",
        f"{T}concatenate/",
        json=lambda w: {"items": [{"source_video": str(w.video.pk), "start": 0, "end": 500}] * 2},
        expect=400,
    ),
    Bad("time-beyond-interval", "post", f"{T}mute-voice/", json=_tv(intervals=[{"start": 50, "end": 60}])),
    # unknown enum values
    Bad("enum-trim-mode", "post", f"{T}trim/", json=_tv(start=0, end=1, mode="turbo"), expect=400),
    Bad(
        "enum-selection-mode",
        "post",
        f"{P}{{project}}/generate-from-segments/",
        json={"variant_count": 1, "selection_mode": "chaos"},
        expect=400,
    ),  # fmt: skip
    Bad("enum-render-preset", "post", f"{C}{{clip}}/render/", json={"preset": "betamax"}),
    Bad("enum-render-layout", "post", f"{C}{{clip}}/render/", json={"layout": "diagonal"}, expect=400),
    Bad("focus-without-track", "patch", f"{C}{{clip}}/content/", json={"focus": [{"t": 0, "x": 0.5}]}, expect=400),
    Bad("focus-not-a-list", "patch", f"{C}{{clip}}/content/", json={"layout": "track", "focus": {"t": 0}}, expect=400),
    Bad("focus-x-out-of-range", "patch", f"{C}{{clip}}/content/", json={"focus": [{"t": 0, "x": 7}]}, expect=400),
    Bad("focus-nan", "patch", f"{C}{{clip}}/content/", raw='{"focus": [{"t": NaN, "x": 0.5}]}', expect=400),
    Bad("enum-clip-status-filter", "get", f"{C}?status=exploded", expect=400),
    Bad("enum-dashboard-range", "get", "/api/v1/profiles/{profile}/dashboard/?range=1y", expect=400),
    Bad("enum-cost-group-by", "get", "/api/v1/costs/summary/?group_by=week", expect=400),
    Bad(
        "enum-publication-type",
        "post",
        "/api/v1/publishing/publications/",
        json=lambda w: {"clip": str(w.clip.pk), "integration_ids": ["i"], "type": "tomorrow"},
        expect=400,
    ),
    Bad("enum-mute-mode", "post", f"{T}mute-voice/", json=_tv(mode="whisper"), expect=400),
    Bad("enum-template-name", "post", f"{T}templates/nope/render/", json=_tv(fields={}), expect=404),
    Bad("enum-tts-provider", "get", "/api/v1/tts/voices/?provider=festival", expect=400),
    # a provider this install has no key for (these were 500s before the fuzzing found them)
    Bad("enum-tts-provider-unconfigured", "get", "/api/v1/tts/voices/?provider=elevenlabs", expect=400),
    Bad(
        "enum-one-click-provider-unconfigured",
        "post",
        "/api/v1/library/one-click/",
        json=_tv(provider="gemini"),
        expect=400,
    ),  # fmt: skip
    Bad("enum-layout", "post", "/api/v1/library/one-click/", json=_tv(layout="diagonal"), expect=400),
    Bad("enum-one-click-captions", "post", "/api/v1/library/one-click/", json=_tv(captions="subs"), expect=400),
    Bad(
        "speech-captions-with-script",
        "post",
        "/api/v1/library/one-click/",
        json=_tv(captions="speech", script_text="Buy it."),
        expect=400,
    ),  # fmt: skip
    Bad("type-tighten", "post", f"{P}{{project}}/generate/", json=_tv(variant_count=1, tighten=[1]), expect=400),
    Bad("enum-content-captions", "patch", f"{C}{{clip}}/content/", json={"captions": 3}, expect=400),
    Bad("match-script-two-sources", "post", f"{S}match-script/", json=_tv(script_text="x"), expect=400),
    Bad("enum-profile-tts", "patch", "/api/v1/profiles/{profile}/", json={"tts_provider": "festival"}, expect=400),
    Bad(
        "enum-analysis-provider-unconfigured",
        "post",
        f"{P}{{project}}/generate/",
        json=_tv(variant_count=1, provider="gemini"),
        expect=400,
    ),  # fmt: skip
    Bad("enum-analyze-provider", "post", f"{V}{{video}}/analyze/", json={"provider": "oracle"}, expect=400),
    Bad(
        "enum-analyze-provider-unconfigured", "post", f"{V}{{video}}/analyze/", json={"provider": "gemini"}, expect=400
    ),
    Bad("type-list-analyze-context", "post", f"{V}{{video}}/analyze/", json={"context_text": ["a"]}, expect=400),
    Bad("enum-transcribe-provider", "post", f"{V}{{video}}/transcribe/", json={"provider": "oracle"}, expect=400),
    Bad("type-list-transcribe-language", "post", f"{V}{{video}}/transcribe/", json={"language": ["en"]}, expect=400),
    Bad("unknown-transcribe-language", "post", f"{V}{{video}}/transcribe/", json={"language": "xx"}, expect=400),
    Bad("enum-transcript-as", "get", f"{V}{{video}}/transcript/?as=ass"),
    Bad("type-transcript-corrections", "patch", f"{V}{{video}}/transcript/", json={"words": {"0": "x"}}),
    Bad("long-analyze-context", "post", f"{V}{{video}}/analyze/", json={"context_text": LONG}, expect=400),
    Bad(
        "ctype-form-analyze",
        "post",
        f"{V}{{video}}/analyze/",
        raw="provider=local",
        content_type="text/plain",
        expect=415,
    ),
    # emoji, right-to-left and very long names
    Bad("long-project-name", "post", P, json={"name": LONG}, expect=400),
    Bad("rtl-video-name", "patch", f"{V}{{video}}/", json={"name": RTL}, expect=400),
    Bad("emoji-preset-slug", "post", "/api/v1/library/presets/", json={"name": "🔥🔥"}, expect=400),
    Bad("long-profile-name", "patch", "/api/v1/profiles/{profile}/", json={"name": EMOJI}, expect=400),
    Bad("long-keyword", "patch", f"{S}{{segment}}/", json={"keywords": [LONG]}, expect=400),
    Bad("long-script", "patch", f"{C}{{clip}}/content/", json={"script_text": EMOJI}, expect=400),
    Bad("long-tts-text", "post", "/api/v1/tts/generate/", json={"text": RTL}, expect=400),
    Bad(
        "long-card-field",
        "post",
        f"{T}templates/intro/render/",
        json=_tv(fields={"full_name": LONG, "role": "CTO"}),
        expect=400,
    ),  # fmt: skip
    # path traversal
    Bad("traversal-preset-name", "get", "/api/v1/library/presets/..%2F..%2Fetc%2Fpasswd/", expect=404),
    Bad("traversal-in-id", "get", f"{V}..%2F{{video}}/stream/", expect=404),
    Bad("traversal-download-kind", "get", f"{C}{{clip}}/download/?kind=../../../etc/passwd", expect=400),
    Bad("traversal-upload-name", "post", V, upload=("video", "../../outside.mp4"), expect=400),
    Bad("traversal-upload-backslash", "post", V, upload=("video", "..\\..\\outside.mp4"), expect=400),
    Bad("traversal-template-name", "post", f"{T}templates/..%2Fintro/render/", json=_tv(fields={}), expect=404),
    Bad("traversal-file-url", "patch", "/api/v1/profiles/{profile}/", json={"postiz_api_url": "file:///etc/passwd"}),
    # wrong content types
    Bad("ctype-text-plain", "post", P, raw="name=x", content_type="text/plain", expect=415),
    Bad("ctype-xml", "post", P, raw="<project><name>x</name></project>", content_type="application/xml", expect=415),
    Bad("ctype-json-upload", "post", V, json={"file": "AAAA"}, expect=400),
    Bad("ctype-text-upload", "post", V, raw="not a form", content_type="text/plain", expect=415),
    Bad(
        "ctype-broken-boundary",
        "post",
        V,
        raw=b"--nope\r\n\r\n",
        content_type="multipart/form-data; boundary=x",
        expect=400,
    ),  # fmt: skip
    # corrupt and truncated media
    Bad("media-random-bytes", "post", V, upload=("random", "clip.mp4"), expect=415),
    Bad("media-truncated-mp4", "post", V, upload=("truncated", "clip.mp4"), expect=415),
    Bad("media-empty-file", "post", V, upload=("empty", "clip.mp4"), expect=415),
    Bad("media-still-image", "post", V, upload=("image", "photo.mp4"), expect=415),
    Bad("media-audio-only", "post", V, upload=("audio", "song.mp4"), expect=415),
    Bad("media-text-as-mp4", "post", V, upload=("text", "notes.mp4"), expect=415),
    # garbage X-Profile-Id
    Bad("profile-sql", "get", V, headers={"X-Profile-Id": "' OR 1=1; DROP TABLE profiles_profile; --"}, expect=404),
    Bad("profile-unicode", "get", V, headers={"X-Profile-Id": "店铺🛒\u202e"}, expect=404),
    Bad("profile-10k", "get", V, headers={"X-Profile-Id": "f" * 10_000}, expect=404),
    Bad("profile-null-byte", "post", P, json={"name": "x"}, headers={"X-Profile-Id": "\x00" * 36}, expect=404),
    Bad(
        "profile-unknown-uuid",
        "post",
        P,
        json={"name": "x"},
        headers={"X-Profile-Id": "00000000-0000-0000-0000-000000000000"},
        expect=404,
    ),  # fmt: skip
    Bad("profile-query-sql", "get", f"{V}?profile=%27%20OR%201%3D1", headers={"X-Profile-Id": ""}, expect=404),
    # null bytes
    Bad("null-in-name", "post", P, json={"name": "ab\x00cd"}, expect=400),
    Bad("null-in-notes", "patch", f"{S}{{segment}}/", json={"notes": "\x00"}, expect=400),
    Bad("null-in-filter", "get", "/api/v1/jobs/?kind=%00", expect=400),
    Bad("null-in-id", "get", f"{C}%00/", expect=404),
    Bad("null-in-upload-name", "post", V, upload=("video", "a\x00b.mp4"), expect=400),
    # webhooks and API keys (issue 20)
    Bad("webhook-private-url", "post", W, json={"url": "http://10.0.0.1/hook", "events": ["job.failed"]}, expect=400),
    Bad(
        "webhook-metadata-url", "post", W, json={"url": "http://169.254.169.254/", "events": ["job.failed"]}, expect=400
    ),  # fmt: skip
    Bad("webhook-file-url", "post", W, json={"url": "file:///etc/passwd", "events": ["job.failed"]}, expect=400),
    Bad("webhook-unknown-event", "post", W, json={"url": "https://93.184.215.14/h", "events": ["job.won"]}, expect=400),
    Bad("webhook-events-not-list", "post", W, json={"url": "https://93.184.215.14/h", "events": {"a": 1}}, expect=400),
    Bad(
        "webhook-null-in-url",
        "post",
        W,
        json={"url": "https://93.184.215.14/h\x00", "events": ["job.failed"]},
        expect=400,
    ),  # fmt: skip
    Bad("webhook-garbage-id", "post", f"{W}..%2F/ping/", expect=404),
    Bad("webhook-delivery-garbage-id", "post", f"{W}{{profile}}/deliveries/%00/replay/", expect=404),
    Bad(
        "api-key-unknown-scope",
        "post",
        "/api/v1/profiles/{profile}/api-keys/",
        json={"name": "x", "scopes": ["root"]},
        expect=400,
    ),  # fmt: skip
    Bad("api-key-long-name", "post", "/api/v1/profiles/{profile}/api-keys/", json={"name": LONG}, expect=400),
    Bad(
        "api-key-past-expiry",
        "post",
        "/api/v1/profiles/{profile}/api-keys/",
        json={"name": "x", "expires_at": "1999-01-01T00:00:00Z"},
        expect=400,
    ),  # fmt: skip
    Bad("api-key-garbage-id", "delete", "/api/v1/profiles/{profile}/api-keys/not-a-key/", expect=404),
    Bad("analytics-garbage-id", "get", "/api/v1/publishing/publications/%00/analytics/?refresh=true", expect=404),
    Bad("clip-analytics-garbage-id", "get", "/api/v1/library/clips/not-a-uuid/analytics/", expect=404),
    # (garbage Api-Key headers: tests/profiles/test_api_keys.py; this harness sends alice's JWT)
]


@pytest.fixture(autouse=True)
def _no_provider_keys(settings: Any) -> None:
    """The "unconfigured provider" cases need an install without keys (the local providers)."""
    settings.GEMINI_API_KEY = settings.ELEVENLABS_API_KEY = ""


def _recipe(kind: str, samples: Samples) -> bytes:
    if kind in ("video", "image", "audio"):
        return getattr(samples, kind).read_bytes()
    return {
        "random": bytes(range(256)) * 64,
        "truncated": samples.video.read_bytes()[:2000],
        "empty": b"",
        "text": b"this is not a video\n" * 100,
    }[kind]


def _multipart(content: bytes, filename: str) -> tuple[bytes, str]:
    """Built by hand: Django's test client would clean a hostile file name before sending it."""
    boundary = "----proof-boundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
    body = (head + "Content-Type: video/mp4\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _send(client: Any, case: Bad, world: World, samples: Samples) -> Any:
    ids = {k: getattr(world, k).pk for k in ("video", "segment", "project", "clip", "job", "profile")}
    path = case.path.format(**ids)
    if case.upload is not None:
        body, content_type = _multipart(_recipe(case.upload[0], samples), case.upload[1])
    elif case.json is not None:
        body, content_type = json.dumps(case.json(world) if callable(case.json) else case.json), "application/json"
    else:
        body, content_type = case.raw if case.raw is not None else "", case.content_type
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in case.headers.items()}
    if case.method == "get":
        return client.get(path, **headers)
    return client.generic(case.method.upper(), path, body, content_type=content_type, **headers)


def _world_rows(world: World) -> dict[str, Any]:
    with unscoped():
        return {
            name: model_to_dict(type(obj)._base_manager.get(pk=obj.pk))
            for name in ("profile", "video", "segment", "project", "clip", "job", "preset", "publication")
            if (obj := getattr(world, name)) is not None
        }


def test_the_corpus_has_at_least_forty_cases() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    print(f"bad-input corpus: {len(CASES)} cases")
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gets_a_4xx_and_writes_nothing(case: Bad, cast: Any, world_a: World, samples: Samples) -> None:
    client = api_client_for(cast.alice, cast.store_a)
    rows, files, existing = row_counts(), files_on_disk(), _world_rows(world_a)

    response = _send(client, case, world_a, samples)

    assert 400 <= response.status_code < 500, (case.id, response.status_code, response.content[:500])
    if case.expect is not None:
        assert response.status_code == case.expect, (case.id, response.status_code, response.content[:500])
    assert row_counts() == rows, f"{case.id} wrote rows"
    assert files_on_disk() == files, f"{case.id} left files: {files_on_disk() ^ files}"
    assert _world_rows(world_a) == existing, f"{case.id} changed existing rows"


def test_a_real_upload_passes_the_same_harness(cast: Any, world_a: World, samples: Samples) -> None:
    """The harness can fail: the same upload with a good file is accepted and writes a row and files."""
    case = Bad("good-upload", "post", V, upload=("video", "good.mp4"))
    rows, files = row_counts(), files_on_disk()
    response = _send(api_client_for(cast.alice, cast.store_a), case, world_a, samples)
    assert response.status_code == 201, response.content[:300]
    assert row_counts()["library.SourceVideo"] == rows["library.SourceVideo"] + 1
    assert len(files_on_disk() - files) == 2  # the video and its thumbnail
    assert Path(samples.video).exists()
