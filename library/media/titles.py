"""Title-card templates and their layout: which fields each card has, and where every run of
text goes on a 16:9 or 9:16 frame.

Text is measured with the faces ffmpeg's drawtext will draw it with (fonts.py: Pillow over
FreeType, the same rasteriser), wrapped to the safe area and shrunk until every block fits.
Each block gets the Noto face covering most of it; characters it lacks are drawn in runs with
a face that has them, so Arabic, Hebrew, Devanagari, Greek, Cyrillic render instead of boxes.
Limitation: ffmpeg 5's drawtext joins Arabic (FriBiDi) but has no HarfBuzz, so Indic conjuncts
are drawn unligated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from library.media import fonts

ACCENT = "0xFFD54A"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    required: bool
    max_length: int
    max_items: int | None = None  # a list of strings (steps, features) when set
    help: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "required": self.required, "max_length": self.max_length, "help": self.help}
        data["type"] = "list" if self.max_items else "text"
        if self.max_items:
            data["max_items"] = self.max_items
        return data


@dataclass(frozen=True)
class Role:
    size: float  # font size as a fraction of the frame's short side
    bold: bool = False
    color: str = "white"
    max_lines: int = 3
    align: str = "center"  # or "start": left (right for right-to-left text), hanging indent


ROLES = {
    "kicker": Role(0.045, bold=True, color=ACCENT, max_lines=1),
    "title": Role(0.095, bold=True, max_lines=3),
    "heading": Role(0.075, bold=True, max_lines=2),
    "subtitle": Role(0.055, color="0xE8E8E8", max_lines=2),
    "body": Role(0.048, color="0xF0F0F0", max_lines=6),
    "quote": Role(0.062, max_lines=5),
    "name": Role(0.052, bold=True, color=ACCENT, max_lines=1),
    "item": Role(0.05, max_lines=2, align="start"),
    "url": Role(0.05, bold=True, color=ACCENT, max_lines=1),
}


@dataclass(frozen=True)
class Block:
    field: str
    role: str
    marker: str = ""  # "number" or "bullet" for list items
    wrap: str = "{}"  # e.g. quotation marks around a quote
    default: str = ""


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    fields: tuple[FieldSpec, ...]
    blocks: tuple[Block, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "fields": [f.as_dict() for f in self.fields]}


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(
            "intro", "Who is speaking: team, full name and role.",
            (FieldSpec("team", False, 60), FieldSpec("full_name", True, 60), FieldSpec("role", True, 80)),
            (Block("team", "kicker"), Block("full_name", "title"), Block("role", "subtitle")),
        ),
        Template(
            "announcement", "A headline with an optional line of body text.",
            (FieldSpec("headline", True, 90), FieldSpec("body", False, 240)),
            (Block("headline", "title"), Block("body", "body")),
        ),
        Template(
            "how-it-works", "Up to five numbered steps under a heading.",
            (FieldSpec("title", False, 60, help='default "How it works"'), FieldSpec("steps", True, 90, max_items=5)),
            (Block("title", "heading", default="How it works"), Block("steps", "item", marker="number")),
        ),
        Template(
            "persona", "A customer quote with their name and role.",
            (FieldSpec("name", True, 60), FieldSpec("role", False, 80), FieldSpec("quote", True, 220)),
            (Block("quote", "quote", wrap="\u201c{}\u201d"), Block("name", "name"), Block("role", "subtitle")),
        ),
        Template(
            "demo", "A product name and up to five feature bullets.",
            (FieldSpec("product_name", True, 60), FieldSpec("features", True, 70, max_items=5)),
            (Block("product_name", "title"), Block("features", "item", marker="bullet")),
        ),
        Template(
            "closing", "A call to action and the address to go to.",
            (FieldSpec("call_to_action", True, 90), FieldSpec("url", False, 100)),
            (Block("call_to_action", "title"), Block("url", "url")),
        ),
    )
}  # fmt: skip


class FieldErrors(Exception):
    """The card's fields are not acceptable; `errors` maps each field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def clean_fields(template: Template, fields: dict[str, Any]) -> dict[str, Any]:
    """Checked and stripped fields (texts, or lists of texts). Raises FieldErrors naming every
    missing, unknown, too long or mistyped field at once."""
    errors: dict[str, list[str]] = {}
    specs = {spec.name: spec for spec in template.fields}
    for name in fields:
        if name not in specs:
            errors[name] = [f"Unknown field for the {template.name} template; it takes: {', '.join(specs)}."]
    cleaned: dict[str, Any] = {}
    for spec in template.fields:
        value = fields.get(spec.name)
        if spec.max_items:
            if isinstance(value, str):
                value = value.splitlines()
            items = [str(v).strip() for v in value if str(v).strip()] if isinstance(value, list) else None
            if value is not None and items is None:
                errors[spec.name] = ["Must be a list of texts."]
            elif not items:
                if spec.required:
                    errors[spec.name] = ["This field is required."]
            elif len(items) > spec.max_items:
                errors[spec.name] = [f"At most {spec.max_items} items."]
            elif any(len(item) > spec.max_length for item in items):
                errors[spec.name] = [f"Each item may have at most {spec.max_length} characters."]
            else:
                cleaned[spec.name] = items
            continue
        text = value.strip() if isinstance(value, str) else None
        if value is not None and not isinstance(value, str):
            errors[spec.name] = ["Must be a text."]
        elif not text:
            if spec.required:
                errors[spec.name] = ["This field is required."]
        elif len(text) > spec.max_length:
            errors[spec.name] = [f"At most {spec.max_length} characters (got {len(text)})."]
        else:
            cleaned[spec.name] = text
    if errors:
        raise FieldErrors(errors)
    return cleaned


# --- layout ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draw:
    """One drawtext: a run of text in one font, its x (an ffmpeg expression; drawtext alone
    knows text_w exactly) and its baseline."""

    text: str
    fontfile: str
    size: int
    x: str
    baseline: int
    color: str


@dataclass
class Layout:
    width: int
    height: int
    draws: list[Draw] = field(default_factory=list)
    panel: tuple[int, int, int, int] = (0, 0, 0, 0)
    scale: float = 1.0
    fonts: list[str] = field(default_factory=list)
    missing_glyphs: list[str] = field(default_factory=list)
    truncated: bool = False


def safe_area(width: int, height: int) -> tuple[int, int, int, int]:
    """x, y, w, h inside which text stays clear of frame edges and of the platforms' own
    overlays (9:16 apps put captions and buttons over the bottom fifth)."""
    if height > width:
        left, top, bottom = 0.08, 0.14, 0.22
    else:
        left, top, bottom = 0.08, 0.10, 0.12
    x, y = round(width * left), round(height * top)
    return x, y, width - 2 * x, height - y - round(height * bottom)


Measure = Callable[[str], float]


def wrap(text: str, measure: Measure, width: float) -> list[str]:
    """Greedy word wrap to `width` pixels; a word wider than a line (or unspaced scripts such as
    Chinese) is broken between characters."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if measure(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for char in word:
                if current and measure(current + char) > width:
                    lines.append(current)
                    current = ""
                current += char
        if current:
            lines.append(current)
    return lines


@dataclass
class _Block:
    role: Role
    items: list[str]  # one text, or the list items
    marker: str


def _blocks(template: Template, fields: dict[str, Any]) -> list[_Block]:
    blocks = []
    for block in template.blocks:
        value = fields.get(block.field) or block.default
        if not value:
            continue
        items = value if isinstance(value, list) else [value]
        blocks.append(_Block(ROLES[block.role], [block.wrap.format(item) for item in items], block.marker))
    return blocks


def _marker(kind: str, index: int) -> str:
    return f"{index + 1}." if kind == "number" else ("\u2022" if kind == "bullet" else "")


@dataclass(frozen=True)
class _Line:
    runs: list[fonts.Run]
    widths: list[float]
    size: int
    color: str
    baseline: int  # from the top of the text
    indent: int | None  # None: centred; else offset from the list column's start edge
    rtl: bool

    @property
    def width(self) -> int:
        return round(sum(self.widths))


def layout(
    template: Template,
    fields: dict[str, Any],
    *,
    width: int,
    height: int,
    area: tuple[int, int, int, int] | None = None,
    font: str | None = None,
) -> Layout:
    """Place every run of text on the card. Shrinks all text together (down to 40%) until it
    fits the safe area (or `area`: x, y, w, h, the panel included); past that, over-long
    blocks are cut with an ellipsis. `font` (a brand font's file) draws every block it covers."""
    short = min(width, height)
    if area is None:
        sx, sy, sw, sh = safe_area(width, height)
    else:  # the panel's padding stays inside the area too
        pad = round(short * 0.035)
        sx, sy, sw, sh = area[0] + pad, area[1] + pad, area[2] - 2 * pad, area[3] - 2 * pad
    blocks = _blocks(template, fields)
    scale = 1.0
    while True:
        lines, total, fits = _place(blocks, short=short, scale=scale, area_width=sw, clip=scale <= 0.4, font=font)
        if (fits and total <= sh) or scale <= 0.4:
            break
        scale = max(round(scale * 0.9, 3), 0.4)
    top = sy + max((sh - total) // 2, 0)
    column = max((line.indent + line.width for line in lines if line.indent is not None), default=0)
    column_left = sx + max((sw - column) // 2, 0)
    result = Layout(width=width, height=height, scale=scale)
    spans = []
    for line in lines:
        if line.indent is None:
            # Centred in the text area (the frame's centre for the default, symmetric one).
            left = sx + (sw - line.width) // 2
            single = "(w-text_w)/2" if area is None else f"{sx}+({sw}-text_w)/2"
        elif line.rtl:  # right-to-left lists hang from the column's right edge
            right = column_left + column - line.indent
            left, single = right - line.width, f"{right}-text_w"
        else:
            left = column_left + line.indent
            single = str(left)
        spans.append((left, left + line.width))
        baseline = top + line.baseline
        if len(line.runs) == 1:
            run = line.runs[0]
            result.draws.append(Draw(run.text, run.fontfile, line.size, single, baseline, line.color))
            continue
        # Several fonts on one line: each run placed by us, right to left for RTL text. Spaces
        # at run edges only advance the pen (drawtext would put them on the wrong side).
        pieces: list[tuple[str, str, float]] = []  # text ("" for a gap), font, width
        for run in line.runs:
            core = run.text.strip()
            head = run.text[: len(run.text) - len(run.text.lstrip())]
            tail = run.text[len(run.text.rstrip()) :] if core else ""
            for text, drawn in ((head, ""), (core, core), (tail, "")):
                if text:
                    pieces.append((drawn, run.fontfile, fonts.width(text, run.fontfile, line.size)))
        x = float(left)
        for text, fontfile, piece_width in reversed(pieces) if line.rtl else pieces:
            if text:
                result.draws.append(Draw(text, fontfile, line.size, str(round(x)), baseline, line.color))
            x += piece_width
    if spans:
        pad = round(short * 0.035)
        x0, x1 = max(min(a for a, _ in spans) - pad, 0), min(max(b for _, b in spans) + pad, width)
        y0, y1 = max(top - pad, 0), min(top + total + pad, height)
        result.panel = (x0, y0, x1 - x0, y1 - y0)
    result.fonts = sorted({draw.fontfile for draw in result.draws})
    result.missing_glyphs = sorted(
        {c for block in blocks for item in block.items for c in fonts.missing(item, bold=block.role.bold)}
    )
    result.truncated = not fits
    return result


def _place(
    blocks: list[_Block], *, short: int, scale: float, area_width: int, clip: bool, font: str | None = None
) -> tuple[list[_Line], int, bool]:
    """Every line with its runs, baseline (from the top of the text) and indent; the total
    height; whether every block kept within its line budget."""
    placed: list[_Line] = []
    y = 0
    fits = True
    for number, block in enumerate(blocks):
        role = block.role
        size = max(round(short * role.size * scale), 12)
        markers = "".join(_marker(block.marker, i) for i in range(len(block.items)))
        chars = frozenset("".join(block.items) + markers)
        covered = font is not None and all(c.isspace() or fonts.font_at(font).covers(c) for c in chars)
        primary = font if font is not None and covered else fonts.primary_font(chars, bold=role.bold)

        def measure(text: str, size: int = size, bold: bool = role.bold, primary: str = primary) -> float:
            return fonts.measure(text, size=size, bold=bold, primary=primary)

        wrapped = []
        for index, item in enumerate(block.items):
            marker = _marker(block.marker, index)
            indent = round(measure(marker + "  ")) if marker else 0
            limit = area_width * 0.97 - indent  # a little slack for rounding in drawtext
            lines = wrap(item, measure, limit)
            if len(lines) > role.max_lines:
                fits = False
                if clip:
                    lines = lines[: role.max_lines]
                    lines[-1] = _ellipsize(lines[-1], measure, limit)
            wrapped.append((marker, indent, lines))
        used = {primary} | {
            run.fontfile for _, _, lines in wrapped for text in lines for run in _runs(text, role, primary)
        }
        ascent = max(fonts.face(path, size).getmetrics()[0] for path in used)
        descent = max(fonts.face(path, size).getmetrics()[1] for path in used)
        step = round((ascent + descent) * 1.12)
        if number:
            y += round(step * 0.45)  # space between blocks
        for index, (marker, indent, lines) in enumerate(wrapped):
            if index:
                y += round(step * 0.25)  # space between list items
            for n, text in enumerate(lines):
                drawn = f"{marker}  {text}" if marker and n == 0 else text
                runs = _runs(drawn, role, primary)
                widths = [fonts.width(run.text, run.fontfile, size) for run in runs]
                start = None if role.align == "center" else (indent if marker and n else 0)
                placed.append(_Line(runs, widths, size, role.color, y + ascent, start, fonts.is_rtl(drawn)))
                y += step
    return placed, y, fits


def _runs(text: str, role: Role, primary: str) -> list[fonts.Run]:
    return fonts.runs(text, bold=role.bold, primary=primary)


def _ellipsize(text: str, measure: Measure, width: float) -> str:
    while text and measure(text + "\u2026") > width:
        text = text[:-1].rstrip()
    return text + "\u2026"
