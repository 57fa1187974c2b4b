"""Cutting on what is said, as pure functions: sentences stay whole and no cut falls inside a
word (library.selection), spoken words carried onto the output timeline and pauses tightened
(library.timeline), what a sentence is worth (library.keywords), the analyzers listening
(local scores, Gemini's prompt)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from library import keywords, selection, timeline
from library.keywords import TimedWord
from library.media.analysis import SampledFrame
from library.providers.analysis import Spoken
from library.providers.analysis.base import ScoredSegment
from library.providers.analysis.gemini_prompt import request_parts
from library.providers.analysis.local import _alive_parts, _Sample, _with_speech
from library.selection import Candidate, Cut, Sentence, Speech


def _talk(seed: int, sentences: int = 10) -> tuple[list[tuple[float, float]], list[Sentence], float]:
    """Random but realistic speech: words of 0.15-0.5 s, short gaps inside a sentence, pauses
    of 0.3-2 s between sentences."""
    rng = random.Random(seed)
    words, said, at = [], [], 0.6
    for _ in range(sentences):
        first = at
        for _ in range(rng.randint(2, 12)):
            length = rng.uniform(0.15, 0.5)
            words.append((at, at + length))
            at += length + rng.uniform(0.0, 0.15)
        said.append(Sentence(first, words[-1][1], bonus=rng.choice([0.0, 12.0, 24.0])))
        at = words[-1][1] + rng.uniform(0.3, 2.0)
    return words, said, at + 1.0


def _inside_a_word(t: float, words: list[tuple[float, float]], margin: float) -> bool:
    return any(a - margin + 1e-6 < t < b + margin - 1e-6 for a, b in words)


@pytest.mark.parametrize("seed", range(12))
def test_no_cut_falls_inside_a_word_and_sentences_stay_whole(seed: int) -> None:
    words, said, length = _talk(seed)
    speech = Speech(tuple(words), tuple(said), margin=0.1)
    visual = [Candidate("v", 0.0, length * 0.4, 70.0), Candidate("v", length * 0.45, length, 40.0)]
    target = 8.0
    plans = selection.plan_variants(visual, variant_count=3, target=target, speech={"v": speech})
    assert len(plans) == 3
    for cuts in plans:
        assert target * 0.8 - 1e-6 <= selection.total(cuts) <= target * 1.2 + 1e-6
        for cut in cuts:
            # Every edge lies outside every word, with the margin where the pause allows it.
            assert not _inside_a_word(cut.start, words, 0.0) and not _inside_a_word(cut.end, words, 0.0)
            for a, b in words:
                if cut.start <= a < cut.end:  # a word that starts in a piece ends in it, margin kept
                    assert b <= cut.end
            for sentence in said:  # a sentence is in a cut whole, or not at all
                heard = cut.start < sentence.end and sentence.start < cut.end
                assert not heard or (cut.start <= sentence.start and sentence.end <= cut.end)


def test_cut_edges_keep_the_margin_outside_words() -> None:
    words = [(1.0, 1.4), (1.5, 2.0), (4.0, 4.5), (4.55, 5.0)]
    speech = Speech(tuple(words), (Sentence(1.0, 2.0), Sentence(4.0, 5.0)), margin=0.15)
    assert speech.edges(0, 1) == pytest.approx((0.85, 2.15))
    assert speech.edges(2, 3) == pytest.approx((3.85, 5.15))
    # A pause shorter than two margins is shared at its middle: neither word is clipped.
    tight = Speech(((1.0, 1.4), (1.5, 2.0)), (Sentence(1.0, 1.4), Sentence(1.5, 2.0)), margin=0.15)
    assert tight.edges(0, 0) == pytest.approx((0.85, 1.45)) and tight.edges(1, 1)[0] == pytest.approx(1.45)


def test_a_variant_runs_over_its_target_rather_than_cut_a_sentence() -> None:
    words = [(0.5 + i * 0.4, 0.8 + i * 0.4) for i in range(14)]  # one 5.5 s sentence
    speech = Speech(tuple(words), (Sentence(0.5, words[-1][1]),), margin=0.1)
    plans = selection.plan_variants([Candidate("v", 0.0, 7.0, 60.0)], variant_count=1, target=5.0,
                                    speech={"v": speech})  # fmt: skip
    assert plans[0] == [Cut("v", pytest.approx(0.4), pytest.approx(words[-1][1] + 0.1))]  # 5.7 s: 14 % over


def test_long_sentences_split_at_their_longest_pause() -> None:
    words = [(0.0, 0.4), (0.5, 0.9), (2.0, 2.4), (2.5, 2.9)]
    speech = Speech(tuple(words), (Sentence(0.0, 2.9),))
    assert speech.spans(2.0) == [(0, 1, 0.0), (2, 3, 0.0)]
    assert speech.spans(10.0) == [(0, 3, 0.0)]


def test_silent_footage_is_still_cut_freely_and_videos_without_speech_are_untouched() -> None:
    speech = Speech(((2.0, 2.5), (2.6, 3.0)), (Sentence(2.0, 3.0),), margin=0.1)
    cands = selection.speech_candidates(
        [Candidate("a", 0.0, 10.0, 50.0), Candidate("b", 0.0, 4.0, 80.0)], {"a": speech}, max_sentence=6
    )
    assert Candidate("b", 0.0, 4.0, 80.0) in cands
    whole = [c for c in cands if c.whole]
    assert [(c.start, c.end) for c in whole] == [(pytest.approx(1.9), pytest.approx(3.1))]
    silent = sorted((c.start, c.end) for c in cands if c.source_video == "a" and not c.whole)
    assert silent == [(0.0, pytest.approx(1.9)), (pytest.approx(3.1), 10.0)]


def test_a_sentence_with_the_product_and_a_hook_scores_higher() -> None:
    context = keywords.context_words("Zenbrew travel mug: keeps coffee hot")
    plain, _ = keywords.sentence_hooks("It is a nice day outside.", context)
    product, tags = keywords.sentence_hooks("Does the Zenbrew mug keep coffee hot for 12 hours?", context)
    assert plain == 0 and product > plain and set(tags) == {"keyword", "question", "number"}
    words = ((1.0, 1.5), (1.6, 2.0), (5.0, 5.5), (5.6, 6.0))
    speech = {
        "v": Speech(words, (Sentence(1.0, 2.0, plain), Sentence(5.0, 6.0, product)), margin=0.1)
    }  # same picture under both: the hook decides
    plans = selection.plan_variants([Candidate("v", 0.0, 8.0, 50.0)], variant_count=1, target=1.2, speech=speech)
    assert plans[0][0].start == pytest.approx(4.9)


def test_the_local_analyzer_scores_speech_beside_the_picture() -> None:
    window = ScoredSegment(0.0, 4.0, 40.0, "Shot 1: little movement, well lit", ("static",))
    spoken = Spoken(
        words=((0.5, 1.0), (1.1, 1.6), (1.7, 2.4)), sentences=(("Is the Zenbrew mug worth 20 dollars?", 0.5, 2.4),)
    )
    scored = _with_speech(window, spoken, keywords.context_words("Zenbrew mug"))
    assert scored.score > 60 and {"speech", "keyword", "question", "number"} <= set(scored.tags)
    assert "Zenbrew" in scored.description
    silent = _with_speech(window, Spoken(words=((5.0, 6.0),)), frozenset())
    assert silent == window


def test_gemini_hears_the_transcript_with_the_frames(tmp_path: Path) -> None:
    frame = tmp_path / "f.jpg"
    frame.write_bytes(b"\xff\xd8\xff")
    frames = [SampledFrame(t=1.0, path=frame), SampledFrame(t=3.0, path=frame)]
    spoken = Spoken(words=((0.5, 1.0),), sentences=(("Meet the Zenbrew mug.", 0.5, 1.9), ("Later words.", 30.0, 31.0)))
    text = request_parts(frames, duration=40.0, step=2.0, context_text="", spoken=spoken)[0].text or ""
    assert "[0.5-1.9 s] Meet the Zenbrew mug." in text and "Later words" not in text
    assert "transcript" not in (request_parts(frames, duration=40.0, step=2.0, context_text="")[0].text or "")


# -- the output timeline ---------------------------------------------------------------------

A = [TimedWord("Hello", 1.0, 1.4), TimedWord("there.", 1.5, 2.0), TimedWord("Second", 4.0, 4.5),
     TimedWord("sentence.", 4.6, 5.2)]  # fmt: skip
B = [TimedWord("Bee", 0.3, 0.7), TimedWord("speaks.", 0.8, 1.2)]


def test_words_follow_pieces_reordered_repeated_and_from_two_sources() -> None:
    cuts = [Cut("a", 3.8, 5.4), Cut("b", 0.0, 1.5), Cut("a", 0.8, 2.2), Cut("a", 3.8, 5.4)]
    out = [(w.text, round(w.start, 3), round(w.end, 3)) for w in timeline.words_on_timeline(cuts, {"a": A, "b": B})]
    assert out == [
        ("Second", 0.2, 0.7), ("sentence.", 0.8, 1.4),  # a 3.8-5.4 at 0
        ("Bee", 1.9, 2.3), ("speaks.", 2.4, 2.8),  # b 0-1.5 at 1.6
        ("Hello", 3.3, 3.7), ("there.", 3.8, 4.3),  # a 0.8-2.2 at 3.1
        ("Second", 4.7, 5.2), ("sentence.", 5.3, 5.9),  # the first piece again at 4.5
    ]  # fmt: skip


def test_a_word_cut_by_a_piece_edge_is_clipped_or_dropped() -> None:
    # "there." (1.5-2.0): 80 % heard in a piece ending at 1.9, kept to the edge; "Hello" only
    # 25 % heard in a piece starting at 1.3, dropped.
    out = timeline.words_on_timeline([Cut("a", 1.3, 1.9)], {"a": A})
    assert [(w.text, round(w.start, 3), round(w.end, 3)) for w in out] == [("there.", 0.2, 0.6)]
    assert timeline.words_on_timeline([Cut("c", 0.0, 3.0)], {"a": A}) == []


def test_tighten_removes_long_pauses_and_fillers_without_clipping_words() -> None:
    words = [TimedWord("Meet", 1.0, 1.3), TimedWord("the", 1.4, 1.6), TimedWord("um,", 1.8, 2.1),
             TimedWord("mug.", 2.3, 2.7), TimedWord("It", 4.0, 4.2), TimedWord("works.", 4.3, 4.8)]  # fmt: skip
    cuts, removed = timeline.tighten([Cut("a", 0.5, 5.5), Cut("s", 0.0, 2.0)], {"a": words}, pause=0.6, margin=0.1)
    assert [(r["start"], r["end"], r["reason"]) for r in removed] == [(1.7, 2.2, "filler: um,"), (2.8, 3.9, "pause")]
    assert [(c.source_video, round(c.start, 3), round(c.end, 3)) for c in cuts] == [
        ("a", 0.5, 1.7), ("a", 2.2, 2.8), ("a", 3.9, 5.5), ("s", 0.0, 2.0)
    ]  # fmt: skip
    kept = {w.text for w in timeline.words_on_timeline(cuts, {"a": words})}
    assert kept == {"Meet", "the", "mug.", "It", "works."}
    for word in words:  # each kept word lies whole inside one piece
        if word.text != "um,":
            assert any(c.start <= word.start and word.end <= c.end for c in cuts if c.source_video == "a")
    assert selection.total(cuts) == pytest.approx(5.0 + 2.0 - 0.5 - 1.1)
    # A short pause stays; a filler packed tight between two words goes on its own.
    tight = [TimedWord("a", 0.0, 0.5), TimedWord("uh", 0.55, 0.7), TimedWord("b", 0.75, 1.0)]
    _, removed = timeline.tighten([Cut("a", 0.0, 1.0)], {"a": tight}, pause=0.6, margin=0.1)
    assert [(r["start"], r["end"]) for r in removed] == [(0.55, 0.7)]


def test_a_still_picture_with_someone_speaking_is_not_dead_footage() -> None:
    still = [_Sample(t=i * 0.2, motion=0.0 if i else None, yavg=120.0, contrast=80.0, dark=False) for i in range(25)]
    assert _alive_parts(0.0, 5.0, still, 0.2) == []  # frozen: cut out
    talking = Spoken(words=((1.0, 1.5), (1.6, 2.2)), sentences=(("A presenter at a desk.", 1.0, 2.2),))
    assert _alive_parts(0.0, 5.0, still, 0.2, talking) == [(0.0, 5.0)]


def test_edges_inside_words_move_out_of_them() -> None:
    # A voiceover's trim at 1.7 s and an extension starting at 4.2 s would clip "there." and
    # "Second": each edge moves outwards, past the whole word (and its margin where there is room).
    cuts = timeline.clear_of_words([Cut("a", 0.0, 1.7), Cut("a", 4.2, 6.0), Cut("b", 0.5, 0.75)], {"a": A, "b": B},
                                   margin=0.1)  # fmt: skip
    assert [(round(c.start, 3), round(c.end, 3)) for c in cuts] == [(0.0, 2.1), (3.9, 6.0), (0.2, 0.75)]
    packed = [TimedWord("one", 0.0, 0.5), TimedWord("two", 0.55, 1.0)]
    assert timeline.clear_of_words([Cut("a", 0.0, 0.3)], {"a": packed}, margin=0.1)[0].end == pytest.approx(0.525)


def test_speech_b_roll_plays_after_the_sentence_that_calls_for_it() -> None:
    heard = timeline.words_on_timeline([Cut("a", 0.8, 5.4)], {"a": A})  # Hello there. / Second sentence.
    at = timeline.sentence_end_after(heard, heard[0].end, margin=0.1)  # "Hello" is the keyword
    assert at == pytest.approx(1.2 + 0.1)  # after "there." (ends at 1.2 on the output), a margin on
    cuts = timeline.insert_between([Cut("a", 0.8, 5.4)], at, Cut("b", 0.0, 1.0))
    assert [(c.source_video, round(c.start, 3), round(c.end, 3)) for c in cuts] == [
        ("a", 0.8, 2.1), ("b", 0.0, 1.0), ("a", 2.1, 5.4)
    ]  # fmt: skip
    words = [w.text for w in timeline.words_on_timeline(cuts, {"a": A})]
    assert words == ["Hello", "there.", "Second", "sentence."]  # every word still heard whole
