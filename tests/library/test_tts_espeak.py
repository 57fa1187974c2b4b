"""espeak-ng end to end: real speech, word timings checked against the audio itself."""

from __future__ import annotations

import itertools
import re
import subprocess
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costs.models import CostEntry
from library.media.probe import probe
from library.providers.tts import Speech, TTSError
from library.providers.tts.espeak import EspeakProvider
from library.providers.tts.timing import tokens
from profiles.tenancy import ScopeError, profile_scope

# Both ways of speaking: libespeak-ng with its word events, and the command with estimates.
MODES = [pytest.param(True, id="word-events"), pytest.param(False, id="estimated")]
ENGLISH = (
    "Meet the new travel mug: it keeps coffee hot for twelve hours, fits every cup holder, "
    "and never leaks in your bag. Order yours today!"
)
ARABIC = "هذا الخلاط الجديد يسحق الثلج في ثوان، وينظف نفسه عندما تنتهي. متوفر بسبعة ألوان جميلة."


@pytest.fixture
def store_a(cast: Any) -> Iterator[Any]:
    with profile_scope(cast.store_a):
        yield cast.store_a


def sound_end(path: Path) -> float:
    """Where the last sound in a file stops, read from ffmpeg's own silencedetect log (an
    independent measurement: no code under test involved)."""
    argv = ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "silencedetect=noise=-40dB:d=0.1"]
    log = subprocess.run([*argv, "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    starts = [float(x) for x in re.findall(r"silence_start: ([0-9.]+)", log)]
    ends = [float(x) for x in re.findall(r"silence_end: ([0-9.]+)", log)]
    duration = probe(path).duration
    if starts and (len(ends) < len(starts) or ends[-1] >= duration - 0.02):
        return starts[-1]
    return duration


def assert_well_formed(speech: Speech, text: str) -> None:
    assert speech.duration > 0.5
    assert [w.word for w in speech.words] == [t.text for t in tokens(text)]
    assert all(0 <= w.start <= w.end <= speech.duration for w in speech.words)
    assert all(a.start <= b.start and a.end <= b.start + 1e-6 for a, b in itertools.pairwise(speech.words))
    # Words take time (a degenerate zero-length timing would show no caption at all).
    assert sum(w.end > w.start for w in speech.words) >= 0.9 * len(speech.words)


@pytest.mark.parametrize("events", MODES)
def test_it_speaks_text_to_a_48k_mono_wav_with_every_word_timed_in_order(
    store_a: Any, tmp_path: Path, events: bool
) -> None:
    speech = EspeakProvider(word_events=events).synthesize(text=ENGLISH, out_dir=tmp_path)
    info = probe(speech.audio_path)
    assert speech.audio_path.parent == tmp_path and speech.audio_path.suffix == ".wav"
    assert (info.audio.sample_rate, info.audio.channels) == (48000, 1)
    assert abs(info.duration - speech.duration) < 0.01
    assert (speech.provider, speech.model, speech.voice_id, speech.characters) == (
        "espeak", "espeak-ng", "en-us", len(ENGLISH),
    )  # fmt: skip
    assert_well_formed(speech, ENGLISH)
    assert speech.words[-1].end > speech.duration - 1.0  # the words reach the end of the speech
    assert list(tmp_path.iterdir()) == [speech.audio_path]  # no scratch files left behind


@pytest.mark.parametrize("events", MODES)
@pytest.mark.parametrize(("text", "voice"), [(ENGLISH, "en-us"), (ARABIC, "ar")], ids=["english", "arabic"])
def test_it_times_each_word_within_a_third_of_a_second_of_the_audio(
    store_a: Any, tmp_path: Path, events: bool, text: str, voice: str
) -> None:
    """Speak the text up to a word: that prefix's sound stops about where the full speech has the
    word start. (The prefix ends with a falling, lengthened final word, so it runs ~0.1 s long.)"""
    provider = EspeakProvider(word_events=events)
    speech = provider.synthesize(text=text, out_dir=tmp_path, voice_id=voice)
    errors = []
    for index in range(2, len(speech.words), 2):
        if speech.words[index - 1].word[-1] in ",.;:!?،":
            continue  # a punctuation pause sits between the prefix's end and the word
        prefix = " ".join(w.word for w in speech.words[:index])
        measured = sound_end(provider.synthesize(text=prefix, out_dir=tmp_path, voice_id=voice).audio_path)
        errors.append(abs(measured - speech.words[index].start))
    assert len(errors) >= 4
    assert max(errors) < 0.3, errors
    assert sum(errors) / len(errors) < 0.2, errors


@pytest.mark.parametrize("events", MODES)
def test_it_speaks_arabic(store_a: Any, tmp_path: Path, events: bool) -> None:
    speech = EspeakProvider(word_events=events).synthesize(text=ARABIC, out_dir=tmp_path, voice_id="ar")
    assert speech.voice_id == "ar"
    assert speech.words[0].word == "هذا" and speech.words[-1].word == "جميلة."
    assert_well_formed(speech, ARABIC)


@pytest.mark.parametrize("events", MODES)
def test_it_passes_any_text_safely_to_espeak(store_a: Any, tmp_path: Path, events: bool) -> None:
    text = "-v xx --help $(touch pwned) `id`; echo 'quoted' \"double\" <b>bold</b> \x00 end"
    speech = EspeakProvider(word_events=events).synthesize(text=text, out_dir=tmp_path)
    assert speech.words[0].word == "-v" and speech.words[-1].word == "end"
    assert speech.duration > 2
    assert not Path("pwned").exists() and not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("events", MODES)
def test_it_speaks_long_text(store_a: Any, tmp_path: Path, events: bool) -> None:
    text = " ".join(f"Sentence number {n} tells you, once again, why this blender is great." for n in range(40))
    speech = EspeakProvider(word_events=events).synthesize(text=text, out_dir=tmp_path)
    assert len(text) > 2500
    assert speech.duration > 120
    assert_well_formed(speech, text)


def test_it_records_usage_at_no_cost_stamped_with_the_job(store_a: Any, tmp_path: Path) -> None:
    job_id = uuid.uuid4()
    EspeakProvider().synthesize(text="Hello there.", out_dir=tmp_path, job_id=job_id)
    entry = CostEntry.objects.get()
    assert (entry.provider, entry.model, entry.operation) == ("espeak", "espeak-ng", "tts")
    assert entry.units == {"characters": 12}
    assert entry.cost_usd == Decimal("0")
    assert entry.job_id == job_id
    assert entry.profile_id == store_a.pk


def test_it_follows_the_rate_and_pitch_settings(store_a: Any, tmp_path: Path) -> None:
    provider = EspeakProvider()
    slow = provider.synthesize(text=ENGLISH, out_dir=tmp_path, voice_settings={"rate": 120, "pitch": 30})
    fast = provider.synthesize(text=ENGLISH, out_dir=tmp_path, voice_settings={"rate": 300})
    assert slow.duration > 2 * fast.duration


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "  \n "}, "no text"),
        ({"text": "Hi", "voice_id": "xx-nowhere"}, "Unknown espeak-ng voice"),
        ({"text": "Hi", "voice_id": "en-us+nope"}, "Unknown espeak-ng voice"),
        ({"text": "Hi", "voice_settings": {"rate": 10}}, "rate must be between 80 and 450"),
        ({"text": "Hi", "voice_settings": {"pitch": "high"}}, "pitch must be a number"),
        ({"text": "Hi", "voice_settings": {"stability": 0.5}}, "Unknown espeak-ng settings"),
        ({"text": "Hi", "model": "eleven_multilingual_v2"}, "one model"),
    ],
)
def test_it_refuses_bad_input_clearly_before_speaking(
    store_a: Any, tmp_path: Path, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(TTSError, match=message) as caught:
        EspeakProvider().synthesize(out_dir=tmp_path, **kwargs)
    assert (caught.value.status, caught.value.retryable) == (400, False)
    assert not CostEntry.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_it_accepts_voice_variants_and_voice_files(store_a: Any, tmp_path: Path) -> None:
    provider = EspeakProvider()
    assert provider.synthesize(text="Hello.", out_dir=tmp_path, voice_id="en-us+f3").voice_id == "en-us+f3"
    assert provider.synthesize(text="Hello.", out_dir=tmp_path, voice_id="gmw/en-GB-x-rp").duration > 0


def test_it_falls_back_to_the_command_when_the_library_cannot_be_loaded(store_a: Any, tmp_path: Path) -> None:
    provider = EspeakProvider(library="libespeak-ng-missing.so.9")
    speech = provider.synthesize(text=ENGLISH, out_dir=tmp_path)
    estimated = EspeakProvider(word_events=False).synthesize(text=ENGLISH, out_dir=tmp_path)
    assert speech.words == estimated.words


def test_it_needs_a_profile_scope(db: Any, tmp_path: Path) -> None:
    with pytest.raises(ScopeError):
        EspeakProvider().synthesize(text="Hello.", out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_it_lists_the_installed_voices() -> None:
    voices = EspeakProvider().voices()
    by_id = {v.id: v for v in voices}
    assert len(by_id) == len(voices) > 50
    assert by_id["en-us"].language == "en-us" and by_id["en-us"].provider == "espeak"
    assert by_id["ar"].name == "Arabic"
    assert by_id["en-us"].labels["file"] == "gmw/en-US"
