"""What we ask Gemini and how its answer is read: the prompt, the response schema, and the
strict parsing that turns an unusable answer into MalformedAnswer (so the caller can fall back
to the local analysis instead of cutting clips from nonsense)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from google.genai import types

from library.media.analysis import SampledFrame
from library.providers.analysis.base import MalformedAnswer, ScoredSegment, Spoken

# Answers may round a segment's end up to the next whole second past the last frame.
TIME_TOLERANCE = 0.5
MAX_CONTEXT_CHARS = 4000
MAX_TRANSCRIPT_CHARS = 6000  # of one request's part of the transcript
MAX_TAGS = 8

_NUMBER = types.Schema(type=types.Type.NUMBER)
RESPONSE_SCHEMA = types.Schema(
    type=types.Type.OBJECT,
    properties={
        "segments": types.Schema(
            type=types.Type.ARRAY,
            items=types.Schema(
                type=types.Type.OBJECT,
                properties={
                    "start": _NUMBER,
                    "end": _NUMBER,
                    "score": types.Schema(type=types.Type.NUMBER, minimum=0, maximum=100),
                    "description": types.Schema(type=types.Type.STRING),
                    "tags": types.Schema(type=types.Type.ARRAY, items=types.Schema(type=types.Type.STRING)),
                },
                required=["start", "end", "score", "description", "tags"],
                property_ordering=["start", "end", "score", "description", "tags"],
            ),
        )
    },
    required=["segments"],
)

INSTRUCTIONS = """\
You are a video editor picking the moments of a product video that work best in short vertical
social-media clips (TikTok, Reels, Shorts).

The frames below were sampled from a {duration:.1f} s video, about one every {interval:.0f} s;
each is labelled with its time in seconds. This request covers {first:.1f}-{last:.1f} s.
{context}
Return the segments of this part of the video worth using in a clip, as JSON:
- start and end in seconds of the video (0 <= start < end <= {duration:.1f}), 2 to 10 s long,
  not overlapping, following the frames' times;
- score from 0 to 100: how engaging the moment is and how well it shows the product;
- description: one sentence on what happens;
- tags: a few lowercase words (e.g. "product", "closeup", "people", "motion", "text").
Leave out dull, blurry, dark or repetitive moments."""


def frame_label(frame: SampledFrame) -> str:
    """The text before each image; the answer's times refer to these."""
    return f"Frame at {frame.t:.1f} s:"


def transcript_block(spoken: Spoken | None, first: float, last: float) -> str:
    """The sentences said during [first, last], with their times, for the prompt."""
    if spoken is None:
        return ""
    lines = [f"[{a:.1f}-{b:.1f} s] {text}" for text, a, b in spoken.sentences if a < last and first < b]
    text = "\n".join(lines)[:MAX_TRANSCRIPT_CHARS]
    if not text:
        return ""
    return (
        "\nWhat is said in this part (transcript, with times in seconds). Prefer segments that start and end\n"
        "between sentences, and sentences that name the product, ask a question or give a figure:\n"
        f"{text}\n"
    )


def request_parts(
    frames: Sequence[SampledFrame],
    *,
    duration: float,
    step: float,
    context_text: str,
    spoken: Spoken | None = None,
) -> list[types.Part]:
    """One request's parts: the instructions (with the transcript of this part, if any), then
    each frame's label and JPEG. `step` is the time between two sampled frames."""
    first, last = max(frames[0].t - step / 2, 0.0), min(frames[-1].t + step / 2, duration)
    context = context_text.strip()[:MAX_CONTEXT_CHARS]
    context_block = f"\nAbout the product and brand (use it to judge what matters):\n{context}\n" if context else ""
    context_block += transcript_block(spoken, first, last)
    parts = [
        types.Part.from_text(
            text=INSTRUCTIONS.format(duration=duration, interval=step, first=first, last=last, context=context_block)
        )
    ]
    for frame in frames:
        parts.append(types.Part.from_text(text=frame_label(frame)))
        parts.append(types.Part.from_bytes(data=frame.path.read_bytes(), mime_type="image/jpeg"))
    return parts


def answer_text(response: types.GenerateContentResponse) -> str:
    """The answer's text parts, thoughts left out."""
    candidates = response.candidates or []
    if not candidates or candidates[0].content is None:
        return ""
    return "".join(part.text or "" for part in candidates[0].content.parts or [] if not part.thought)


def _number(item: dict[str, Any], key: str, index: int) -> float:
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedAnswer(f"segment {index} has no numeric {key!r}")
    return float(value)


def _tags(value: object) -> tuple[str, ...]:
    """Tags are a nicety: odd entries are dropped rather than refusing the whole answer."""
    if not isinstance(value, list):
        return ()
    return tuple(t.strip().lower()[:40] for t in value if isinstance(t, str) and t.strip())[:MAX_TAGS]


def parse_answer(text: str, *, duration: float) -> list[ScoredSegment]:
    """The segments of one answer, or MalformedAnswer saying what is wrong with it."""
    if not text.strip():
        raise MalformedAnswer("the answer was empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise MalformedAnswer(f"the answer is not JSON: {text[:80]!r}") from None
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise MalformedAnswer("the answer has no 'segments' list")
    segments = []
    for index, item in enumerate(data["segments"], start=1):
        if not isinstance(item, dict):
            raise MalformedAnswer(f"segment {index} is not an object")
        start, end, score = (_number(item, key, index) for key in ("start", "end", "score"))
        if start < -TIME_TOLERANCE or end > duration + TIME_TOLERANCE:
            raise MalformedAnswer(f"segment {index} ({start:g}-{end:g} s) lies outside the {duration:.1f} s video")
        if end <= start:
            raise MalformedAnswer(f"segment {index} ends ({end:g} s) before it starts ({start:g} s)")
        description = item.get("description")
        description = description.strip()[:500] if isinstance(description, str) else ""
        segments.append(ScoredSegment(start, end, score, description, _tags(item.get("tags"))))
    return segments
