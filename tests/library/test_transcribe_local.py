"""Local transcription (faster-whisper, the bundled tiny.en) on real speech made here: espeak-ng
voices reading known sentences over real footage (tests/speech_media.py). The model is loaded
once per process (library.providers.stt.local), so these tests share it."""

from __future__ import annotations

import functools
import itertools
from pathlib import Path
from typing import Any

import pytest

from library import spoken
from library.media import audio
from library.media import ffmpeg as ff
from library.media.probe import probe
from library.providers.stt import STTError, Transcription, get_stt_provider
from library.providers.stt import local as local_stt
from tests.speech_media import (
    SENTENCES,
    VOICES,
    SpeechClip,
    music_video,
    normalize_words,
    speech_video,
    word_error_rate,
)

MAX_WER = 0.15
SENTENCE_SLACK = 0.35  # seconds a sentence's start or end may sit from where it is really heard


@functools.cache
def _transcribe(video: Path, prompt_words: tuple[str, ...] = ()) -> Transcription:
    """The local provider's transcription of a clip, made once per clip and prompt."""
    wav = video.with_suffix(".16k.wav")
    ff.run(audio.speech_wav(video, wav, sample_rate=16_000), timeout=60)
    provider = get_stt_provider("local")
    return provider.transcribe(audio=wav, duration=probe(wav).duration, prompt_words=list(prompt_words))


@pytest.mark.parametrize(("voice", "speed"), VOICES, ids=[f"{v}-{s}wpm" for v, s in VOICES])
def test_it_hears_the_known_sentences(voice: str, speed: int) -> None:
    clip: SpeechClip = speech_video(voice=voice, speed=speed)
    heard = _transcribe(clip.path)
    words = spoken.words_normalized(heard.words, duration=heard.duration)
    wer = word_error_rate(clip.text, " ".join(w["text"] for w in words))
    print(f"\nWER {voice} {speed} wpm: {wer:.1%} ({' '.join(w['text'] for w in words)})")
    assert wer <= MAX_WER
    assert (heard.provider, heard.model, heard.language) == ("local", "tiny.en", "en")
    assert spoken.mean_probability(words) >= 0.6  # EDITAI_TRANSCRIPT_MIN_PROBABILITY's default
    # Cut on sentences: one per sentence spoken, where it is heard.
    sentences = spoken.sentences_of(words)
    assert len(sentences) == len(SENTENCES)
    for found, known in zip(sentences, clip.sentences, strict=True):
        assert abs(found["start"] - known.start) <= SENTENCE_SLACK, (found, known)
        assert abs(found["end"] - known.end) <= SENTENCE_SLACK, (found, known)
    assert all(a["end"] <= b["start"] + 1e-6 for a, b in itertools.pairwise(words))


@pytest.mark.parametrize(("voice", "speed"), [("en-us", 150), ("en-gb", 180)])
def test_product_words_fix_the_spelling_of_a_name(voice: str, speed: int) -> None:
    # A prompt makes Whisper likelier to invent a closing line in the silence after the speech
    # ("See you in the next video."): the segment guards must drop it (WER not worse).
    clip = speech_video(voice=voice, speed=speed)
    plain = " ".join(w.text for w in _transcribe(clip.path).words)
    prompted = _transcribe(clip.path, tuple(spoken.product_words("The Zenbrew travel mug.")))
    text = " ".join(w.text for w in prompted.words)
    print(f"\nwithout product words: {plain}\nwith: {text}")
    assert "Zenbrew" in text and "Zenbrew" not in plain
    assert word_error_rate(clip.text, text) <= word_error_rate(clip.text, plain)
    assert len(normalize_words(text)) == len(normalize_words(clip.text))  # nothing invented


def test_music_gives_no_words_at_all() -> None:
    heard = _transcribe(music_video(), ("Zenbrew",))
    assert heard.words == []


def test_an_english_only_model_refuses_other_languages_naming_the_setting(settings: Any) -> None:
    provider = get_stt_provider("local")
    provider.check_request(language="en")
    provider.check_request(language=None)
    with pytest.raises(STTError, match="EDITAI_WHISPER_MODEL") as caught:
        provider.check_request(language="de")
    assert (caught.value.status, caught.value.field) == (400, "language")
    with pytest.raises(STTError, match="not a language code"):
        provider.check_request(language="klingon")
    settings.WHISPER_MODEL = "large-v3"  # multilingual: German is fine (nothing is loaded to know it)
    get_stt_provider("local").check_request(language="de")
    settings.WHISPER_MODEL = "small.en"
    with pytest.raises(STTError, match="EDITAI_WHISPER_MODEL"):
        get_stt_provider("local").check_request(language="de")


def test_the_model_is_loaded_once_per_process() -> None:
    assert local_stt.load_model() is local_stt.load_model()


def test_a_model_that_cannot_be_loaded_is_a_clear_error(settings: Any, tmp_path: Path) -> None:
    settings.WHISPER_MODEL = str(tmp_path)  # an empty folder
    with pytest.raises(STTError, match="EDITAI_WHISPER_MODEL"):
        local_stt.load_model()
