"""Tidying what a recogniser heard (library/spoken.py and the local provider's snapping): words
without times, numbers, sentences, product words, subtitles."""

from __future__ import annotations

import pysubs2
import pytest

from library import spoken
from library.providers.stt import HeardWord
from library.providers.stt.local import snapped


def _w(text: str, start: float | None, end: float | None, probability: float | None = 0.9) -> HeardWord:
    return HeardWord(text=text, start=start, end=end, probability=probability)


def test_words_without_times_get_them_from_their_neighbours() -> None:
    words = spoken.words_normalized(
        [_w("It", 0.5, 0.7), _w("costs", None, None), _w("twenty", None, 1.0), _w("dollars.", 1.6, 2.0)], duration=3.0
    )
    assert [w["text"] for w in words] == ["It", "costs", "twenty", "dollars."]
    times = [(w["start"], w["end"]) for w in words]
    assert times[0] == (0.5, 0.7) and times[3] == (1.6, 2.0)
    assert 0.7 <= times[1][0] < times[1][1] <= times[2][0] < times[2][1] <= 1.6  # in the gap, in order
    assert times[2][0] - times[1][0] > 0  # sized by their length


def test_a_first_word_without_time_leans_on_the_next_and_a_last_one_on_the_one_before() -> None:
    words = spoken.words_normalized([_w("Hi", None, None), _w("there.", 4.0, 4.4), _w("Bye", None, None)], duration=9)
    assert words[0]["end"] == pytest.approx(4.0) and words[0]["start"] < 4.0
    assert words[2]["start"] == pytest.approx(4.4) and words[2]["end"] <= 9.0


def test_numbers_stay_between_their_neighbours_and_symbols_join_them() -> None:
    # Whisper heard "20" then "%" stretched over the pause after the sentence.
    heard = [_w("save", 8.4, 8.64), _w("20", 8.64, 9.4), _w("%", 9.4, 12.1), _w("Next", 11.0, 11.3)]
    words = spoken.words_normalized(heard, duration=13.0)
    assert [w["text"] for w in words] == ["save", "20%", "Next"]
    assert words[1]["start"] == 8.64 and words[1]["end"] == 11.0  # not past the next word's start


def test_sentences_split_on_punctuation_and_on_long_pauses() -> None:
    words = spoken.words_normalized(
        [_w("Meet", 0.5, 0.8), _w("Zenbrew.", 0.8, 1.4), _w("It", 2.0, 2.1), _w("keeps", 2.1, 2.5),
         _w("heat", 4.0, 4.3), _w("well", 4.3, 4.6)], duration=5.0,
    )  # fmt: skip
    assert spoken.sentences_of(words) == [
        {"text": "Meet Zenbrew.", "start": 0.5, "end": 1.4},
        {"text": "It keeps", "start": 2.0, "end": 2.5},  # a 1.5 s pause ends it, punctuated or not
        {"text": "heat well", "start": 4.0, "end": 4.6},
    ]
    assert spoken.sentences_of([]) == []


def test_mean_probability_skips_words_without_one() -> None:
    words = spoken.words_normalized([_w("a", 0, 1, 0.5), _w("b", 1, 2, None), _w("c", 2, 3, 1.0)], duration=3)
    assert spoken.mean_probability(words) == 0.75
    assert spoken.mean_probability([]) is None


def test_product_words_are_the_names_in_a_description() -> None:
    text = "Meet the Zenbrew travel mug. Works with the iPhone 15 and USB-C chargers; our Zenbrew is 20% off."
    assert spoken.product_words(text) == ["Zenbrew", "iPhone", "USB-C"]
    assert spoken.product_words("") == []
    assert spoken.product_words("Travel light. Zenbrew keeps it hot.") == ["Zenbrew"]


def test_subtitles_are_timed_phrases() -> None:
    words = spoken.words_normalized([_w(t, i * 0.4, i * 0.4 + 0.3) for i, t in enumerate(
        ["One", "two", "three", "four", "five", "six", "seven", "eight.", "Nine", "ten."])], duration=5)  # fmt: skip
    srt = pysubs2.SSAFile.from_string(spoken.subtitles(words, fmt="srt"))
    assert [e.text for e in srt] == ["One two three four five six seven", "eight.", "Nine ten."]
    assert (srt[0].start, srt[0].end) == (0, 2700)
    vtt = spoken.subtitles(words, fmt="vtt")
    assert vtt.startswith("WEBVTT") and "00:00:00.000 --> 00:00:02.700" in vtt
    assert spoken.subtitles([], fmt="vtt").startswith("WEBVTT")
    with pytest.raises(ValueError, match="unknown subtitle format"):
        spoken.subtitles(words, fmt="ass")


def test_word_times_snap_to_where_the_voice_is() -> None:
    # Whisper starts the first word 0.4 s early (the VAD's padding) and runs the last word of a
    # sentence into the pause; the second sentence it starts late.
    regions = [(0.5, 2.3), (3.1, 5.3)]
    heard = [_w("Meet", 0.11, 0.8), _w("Zenbrew.", 0.9, 3.03), _w("It", 3.3, 3.5), _w("keeps", 3.5, 5.6)]
    words = snapped(heard, regions)
    assert [(w.start, w.end) for w in words] == [(0.5, 0.8), (0.9, 2.3), (3.1, 3.5), (3.5, 5.3)]
    assert [w.text for w in words] == [w.text for w in heard]
    assert snapped(heard, []) == heard
