"""Editing a cut list as a timeline: fit it to a length, cut B-roll in at a moment, carry the
source's spoken words onto the output timeline, tighten pauses and fillers. Pure."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from library.keywords import TimedWord, normalize
from library.selection import MIN_PIECE, Candidate, Cut, total

HEARD_SHARE = 0.5  # a word cut by a piece's edge is captioned when at least this share of it is heard
FILLERS = frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "eh", "hm", "hmm", "mm", "mhm"})
MIN_KEPT = 0.05  # seconds: a sliver left between two removals is dropped too
SENTENCE_END = re.compile(r"[.!?…。！？؟]['\"”’)\]]*$")


def trim_to(cuts: Sequence[Cut], length: float) -> list[Cut]:
    """The first `length` seconds of the cut list."""
    out, at = [], 0.0
    for cut in cuts:
        if at >= length - 1e-6:
            break
        take = min(cut.duration, length - at)
        out.append(Cut(cut.source_video, cut.start, cut.start + take, cut.segment))
        at += take
    return out


def fit(cuts: Sequence[Cut], length: float, extra: Sequence[Candidate] = ()) -> tuple[list[Cut], str]:
    """A cut list exactly `length` long. Too long: trimmed at the end. Too short: extended with
    more of the project's footage (`extra`, skipping what overlaps the cuts), then, if that is
    not enough, by looping the cut list. Returns (cuts, how: trimmed|exact|extended|looped)."""
    current = total(cuts)
    if current > length + 1e-3:
        return trim_to(cuts, length), "trimmed"
    if current >= length - 1e-3:
        return list(cuts), "exact"
    out = list(cuts)
    for cand in extra:
        if total(out) >= length - 1e-3:
            break
        if cand.duration < MIN_PIECE:
            continue
        if any(c.source_video == cand.source_video and cand.start < c.end and c.start < cand.end for c in out):
            continue
        take = min(cand.duration, length - total(out))
        out.append(Cut(cand.source_video, cand.start, cand.start + take, cand.segment))
    how = "extended"
    base = list(out)
    while total(out) < length - 1e-3 and base:
        out += trim_to(base, length - total(out))
        how = "looped" if total(base) > 0 else how
    return out, how


def insert_at(cuts: Sequence[Cut], at: float, broll: Cut) -> list[Cut]:
    """The cut list with `broll` shown from `at` for its duration, replacing what played there
    (the total length is unchanged)."""
    end = at + broll.duration
    out: list[Cut] = []
    pos = 0.0
    inserted = False
    for cut in cuts:
        c_start, c_end = pos, pos + cut.duration
        pos = c_end
        if c_end <= at or c_start >= end:
            if c_start >= end and not inserted:
                out.append(broll)
                inserted = True
            out.append(cut)
            continue
        if c_start < at:  # the part before the cut-in
            out.append(Cut(cut.source_video, cut.start, cut.start + (at - c_start), cut.segment))
        if not inserted:
            out.append(broll)
            inserted = True
        if c_end > end:  # the part after it
            out.append(Cut(cut.source_video, cut.start + (end - c_start), cut.end, cut.segment))
    if not inserted:
        out.append(broll)
    return trim_to([c for c in out if c.duration > 1e-3], total(cuts))


def _inside(words: Sequence[Any], start: float, end: float) -> list[Any]:
    """The words (sorted by start) that overlap [start, end)."""
    starts = [float(w.start) for w in words]
    first = max(bisect.bisect_left(starts, start) - 1, 0)
    return [w for w in words[first : bisect.bisect_left(starts, end)] if float(w.end) > start]


def words_on_timeline(cuts: Sequence[Cut], words: Mapping[str, Sequence[Any]]) -> list[TimedWord]:
    """The spoken words of each piece's source, moved onto the output timeline: pieces from
    several videos, in any order, repeated or not. `words` maps a source video id to its timed
    words (text, start, end in its own seconds, sorted). A word cut by a piece's edge keeps the
    part that is heard, when that is at least HEARD_SHARE of it; otherwise it is left out."""
    out: list[TimedWord] = []
    at = 0.0
    for cut in cuts:
        for word in _inside(words.get(cut.source_video, ()), cut.start, cut.end):
            start, end = max(float(word.start), cut.start), min(float(word.end), cut.end)
            length = float(word.end) - float(word.start)
            if length > 0 and (end - start) < HEARD_SHARE * length:
                continue
            out.append(TimedWord(str(word.text), at + start - cut.start, at + end - cut.start))
        at += cut.duration
    return out


def _removals(cut: Cut, words: Sequence[Any], *, pause: float, margin: float) -> list[tuple[float, float, str]]:
    """What tightening takes out of one piece: (start, end, why). Between two spoken words, a
    pause longer than `pause`, or one holding fillers, is cut down to `margin` after the first
    word and `margin` before the next (a filler packed tight between words goes whole, the
    margins shrinking to what the pause leaves)."""
    inside = _inside(words, cut.start, cut.end)
    spoken = [w for w in inside if normalize(str(w.text)) not in FILLERS]
    fillers = [w for w in inside if normalize(str(w.text)) in FILLERS]
    edges = [(cut.start - margin, cut.start - margin), *((float(w.start), float(w.end)) for w in spoken)]
    edges.append((cut.end + margin, cut.end + margin))
    out = []
    for (_, prev_end), (next_start, _) in itertools.pairwise(edges):
        heard = [f for f in fillers if prev_end <= float(f.start) and float(f.end) <= next_start]
        is_edge = prev_end < cut.start or next_start > cut.end
        if not heard and (is_edge or next_start - prev_end <= pause):
            continue
        start, end = prev_end + margin, next_start - margin
        if heard:  # the fillers go whole, even where the words around leave no room for margins
            start, end = min(start, float(heard[0].start)), max(end, float(heard[-1].end))
        start, end = max(start, cut.start), min(end, cut.end)
        if end - start > MIN_KEPT or (heard and end > start):
            out.append((start, end, "filler: " + " ".join(str(f.text) for f in heard) if heard else "pause"))
    return out


def tighten(
    cuts: Sequence[Cut], words: Mapping[str, Sequence[Any]], *, pause: float, margin: float
) -> tuple[list[Cut], list[dict[str, Any]]]:
    """The cut list with long pauses and filler words taken out of its pieces (each piece split
    around what goes), and what was removed: [{source_video, start, end, seconds, reason}].
    Pieces without speech (silent footage) are left alone; no spoken word is ever clipped."""
    out: list[Cut] = []
    removed: list[dict[str, Any]] = []
    for cut in cuts:
        cursor = cut.start
        for start, end, why in _removals(cut, words.get(cut.source_video, ()), pause=pause, margin=margin):
            if start - cursor > MIN_KEPT:
                out.append(Cut(cut.source_video, cursor, start, cut.segment))
            removed.append({
                "source_video": cut.source_video, "start": round(start, 3), "end": round(end, 3),
                "seconds": round(end - start, 3), "reason": why,
            })  # fmt: skip
            cursor = max(cursor, end)
        if cut.end - cursor > MIN_KEPT:
            out.append(Cut(cut.source_video, cursor, cut.end, cut.segment))
    return out, removed


def insert_between(cuts: Sequence[Cut], at: float, broll: Cut) -> list[Cut]:
    """The cut list with `broll` played at `at` (output seconds), between what played before and
    after: nothing is replaced, the total grows by the b-roll's length."""
    out: list[Cut] = []
    pos, inserted = 0.0, False
    for cut in cuts:
        c_start, c_end = pos, pos + cut.duration
        pos = c_end
        if inserted or not (c_start <= at < c_end):
            out.append(cut)
            continue
        split = cut.start + (at - c_start)
        out += [Cut(cut.source_video, cut.start, split, cut.segment), broll]
        out.append(Cut(cut.source_video, split, cut.end, cut.segment))
        inserted = True
    if not inserted:
        out.append(broll)
    return [c for c in out if c.duration > MIN_KEPT]  # no sliver flashes by either side


def sentence_end_after(words: Sequence[Any], at: float, *, margin: float) -> float:
    """The first moment at or after `at` (output seconds) where a spoken sentence has ended: just
    after its last word (`margin` later, or halfway to the next word if that comes sooner). The
    end of the last word when no sentence ends after `at`."""
    timed = [w for w in words if float(w.end) > at]
    for index, word in enumerate(timed):
        last = index + 1 == len(timed)
        if SENTENCE_END.search(str(word.text).strip()) or last:
            after = float(word.end) + margin
            if not last:
                after = min(after, (float(word.end) + float(timed[index + 1].start)) / 2)
            return after
    return at


def _out_of_word(t: float, words: Sequence[Any], starts: list[float], *, margin: float, earlier: bool) -> float:
    """`t`, or, when it falls inside a word, the nearest moment outside it on the chosen side:
    `margin` before (after) the word, or halfway to the neighbouring word if that is sooner."""
    i = bisect.bisect_right(starts, t) - 1
    if i < 0 or not float(words[i].start) < t < float(words[i].end):
        return t
    if earlier:
        before = (float(words[i - 1].end) + float(words[i].start)) / 2 if i > 0 else 0.0
        return max(float(words[i].start) - margin, before, 0.0)
    after = (float(words[i].end) + float(words[i + 1].start)) / 2 if i + 1 < len(words) else float("inf")
    return min(float(words[i].end) + margin, after)


def clear_of_words(cuts: Sequence[Cut], words: Mapping[str, Sequence[Any]], *, margin: float) -> list[Cut]:
    """The cut list with every piece edge that falls inside a spoken word moved out of it,
    outwards (a start earlier, an end later), so that each word a piece touches is heard whole.
    Edges already between words stay where they are."""
    out = []
    for cut in cuts:
        said = words.get(cut.source_video, ())
        starts = [float(w.start) for w in said]
        start = _out_of_word(cut.start, said, starts, margin=margin, earlier=True)
        end = _out_of_word(cut.end, said, starts, margin=margin, earlier=False)
        out.append(Cut(cut.source_video, start, end, cut.segment))
    return out
