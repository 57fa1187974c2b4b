"""Word timings from alignments, word events and estimates (no audio, no database)."""

from __future__ import annotations

import itertools

import pytest

from library.media.audio import Silence, parse_silences
from library.providers.tts import TTSError, WordTiming
from library.providers.tts.timing import alignment_words, estimated_words, event_words, pause_after, tokens


def test_it_splits_words_on_whitespace_with_punctuation_attached() -> None:
    text = "  «Hello», world!\n\tIt's 42% off — today…  "
    assert [t.text for t in tokens(text)] == ["«Hello»,", "world!", "It's", "42%", "off —", "today…"]
    assert [(t.start, t.end) for t in tokens("ab  cd")] == [(0, 2), (4, 6)]


def test_it_keeps_leading_punctuation_with_the_first_word_and_symbols_as_words() -> None:
    assert [t.text for t in tokens("— Salt & pepper")] == ["— Salt", "&", "pepper"]
    assert [t.text for t in tokens("...")] == ["..."]
    assert tokens("   ") == []


def test_it_turns_a_known_alignment_into_exact_word_timings() -> None:
    text = "Hi, you there."
    starts = [0.10, 0.18, 0.25, 0.30, 0.40, 0.47, 0.55, 0.62, 0.70, 0.80, 0.85, 0.91, 0.97, 1.05]
    ends = [0.18, 0.25, 0.30, 0.40, 0.47, 0.55, 0.62, 0.70, 0.80, 0.85, 0.91, 0.97, 1.05, 1.20]
    assert alignment_words(list(text), starts, ends) == [
        WordTiming("Hi,", 0.10, 0.30),
        WordTiming("you", 0.40, 0.62),
        WordTiming("there.", 0.70, 1.20),
    ]


def test_it_refuses_an_alignment_whose_lists_disagree() -> None:
    with pytest.raises(TTSError, match="mismatched"):
        alignment_words(["a", "b"], [0.0, 0.1], [0.1])


def test_it_places_words_by_event_and_ignores_events_between_words_or_going_back() -> None:
    text = "One two, three 42 four"
    #       0   4    9     15 18
    events = [(0, 0.0), (4, 0.4), (8, 1.2), (9, 0.9), (15, 1.5), (16, 1.7), (2, 1.8), (18, 2.1)]
    silences = [Silence(0.75, 0.88), Silence(2.6, 3.0)]
    words = event_words(text, events, duration=3.0, silences=silences)
    assert [w.word for w in words] == ["One", "two,", "three", "42", "four"]
    assert [w.start for w in words] == [0.0, 0.4, 0.9, 1.5, 2.1]
    # "two," ends where the pause after it starts; the last word where the trailing silence does.
    assert words[1].end == 0.75
    assert words[-1].end == 2.6
    assert words[2].end == 1.5


def test_it_spreads_words_without_an_event_between_their_neighbours() -> None:
    words = event_words("aa bbbb cc", [(0, 0.0), (8, 1.0)], duration=1.5, silences=[])
    assert [w.start for w in words] == [0.0, 0.333, 1.0]


def test_it_fits_an_estimate_to_the_sound_and_pins_pauses_to_silences() -> None:
    text = "Fresh coffee every morning. Order today, ship tomorrow."
    silences = [Silence(0.0, 0.2), Silence(1.9, 2.3), Silence(3.05, 3.25), Silence(4.6, 5.0)]
    words = estimated_words(text, duration=5.0, silences=silences)
    assert [w.word for w in words] == ["Fresh", "coffee", "every", "morning.", "Order", "today,", "ship", "tomorrow."]
    assert words[0].start == 0.2  # the leading silence is not speech
    assert words[3].end == 1.9 and words[4].start == 2.3  # the sentence pause
    assert words[5].end == 3.05 and words[6].start == 3.25  # the comma pause
    assert words[-1].end == 4.6
    assert all(a.end <= b.start for a, b in itertools.pairwise(words))
    # Longer words get more time than shorter ones between the same pauses.
    assert words[7].end - words[7].start > 1.5 * (words[6].end - words[6].start)


def test_it_does_not_pin_a_pause_to_a_silence_far_from_where_it_belongs() -> None:
    # A stop consonant's hush early in the sentence is no place for the comma near its end.
    silences = [Silence(0.3, 0.42)]
    words = estimated_words("Remarkably comfortable shoes, truly.", duration=3.0, silences=silences)
    assert words[2].end > 1.5


def test_it_estimates_pauses_from_punctuation() -> None:
    assert pause_after("dog.") > pause_after("then,") > pause_after("dog") == 0
    assert pause_after('"Done!"') == pause_after("done!")
    assert pause_after("ثوان،") == pause_after("then,")


def test_it_reads_silences_from_ametadata_output_including_one_open_at_the_end() -> None:
    metadata = (
        "frame:1 pts:2048 pts_time:0.09\nlavfi.silence_start=0.106\n"
        "frame:2 pts:4096 pts_time:0.18\nlavfi.silence_end=0.157\nlavfi.silence_duration=0.05\n"
        "frame:9 pts:9999 pts_time:7.2\nlavfi.silence_start=7.27\n"
    )
    assert parse_silences(metadata, duration=7.62) == [Silence(0.106, 0.157), Silence(7.27, 7.62)]


def test_it_estimates_when_no_event_falls_on_a_word() -> None:
    words = event_words("Fresh coffee.", [(5, 0.4)], duration=1.0, silences=[])
    assert words == estimated_words("Fresh coffee.", duration=1.0, silences=[])
    assert words[0].start == 0.0 and words[-1].end == 1.0
