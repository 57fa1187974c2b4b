"""Editing a cut list as a timeline: fit it to a length, cut B-roll in at a moment. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from library.selection import MIN_PIECE, Candidate, Cut, total


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
