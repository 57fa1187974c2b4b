"""The brand kit and the hook in a final render: what the render job asks of them (run inside the
job's scope). One layout (media.composition) places logo, hook, captions and cards together;
graphs.overlay draws them in the render's one pass."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

import pysubs2
from PIL import ImageFont

from library.jobs.context import JobContext
from library.media import composition, fonts, titles
from library.media import hook as hooks
from library.media.graphs.overlay import Brand, Card, CardText, Logo
from library.media.layout import caption_box
from library.models import BrandKit, Clip, Transcript
from library.presets import Preset
from library.selection import Cut

DEFAULT_CARD = "#111111"
DEFAULT_TEXT = "#FFFFFF"
DEFAULT_BOX = "#000000"


def brand_kit_current() -> BrandKit | None:
    """The profile's kit as it stands (a render never makes one)."""
    return BrandKit.objects.first()


def brand_caption_style(kit: BrandKit | None, style: dict[str, Any] | None) -> dict[str, Any]:
    """The caption style a render uses: the kit's colours under what the clip or profile set."""
    defaults: dict[str, Any] = {}
    if kit is not None:
        if kit.highlight_color:
            defaults["highlight_color"] = kit.highlight_color
        if kit.box_color:
            defaults["box_color"] = kit.box_color
    return {**defaults, **(style or {})}


def hook_text_for(*, clip: Clip, cuts: list[Cut]) -> str:
    """The clip's hook: its own text, or with hook_auto the first sentence of the script, else
    the first sentence spoken inside the clip's cuts (the source's transcript), else the
    transcript's first sentence."""
    if clip.hook_text.strip():
        return " ".join(clip.hook_text.split())
    if not clip.hook_auto:
        return ""
    if clip.script_text.strip():
        return hooks.first_sentence(clip.script_text)
    sources = {UUID(c.source_video) for c in cuts}  # cut lists keep ids as text
    transcripts = {str(t.source_video_id): t for t in Transcript.objects.filter(source_video_id__in=sources)}
    for cut in cuts:
        transcript = transcripts.get(str(cut.source_video))
        for sentence in transcript.sentences if transcript else []:
            if cut.start <= float(sentence.get("start", -1)) < cut.end and str(sentence.get("text", "")).strip():
                return hooks.first_sentence(str(sentence["text"]))
    for cut in cuts:
        transcript = transcripts.get(str(cut.source_video))
        if transcript and transcript.sentences:
            return hooks.first_sentence(str(transcript.sentences[0].get("text", "")))
    return ""


def _ffmpeg_color(hex_color: str) -> str:
    return "0x" + hex_color.lstrip("#").upper()


def _card(
    ctx: JobContext, kit: BrandKit, which: str, *, plan: composition.Plan, font: str | None, folder: Path
) -> Card | None:
    template = titles.TEMPLATES.get(getattr(kit, f"{which}_template"))
    if template is None or plan.card is None:
        return None
    try:
        fields = titles.clean_fields(template, getattr(kit, f"{which}_fields"))
    except titles.FieldErrors:  # saved before a template changed its fields: no card rather than a failed render
        return None
    area = plan.card
    card = titles.layout(template, fields, width=plan.width, height=plan.height, area=(area.x, area.y, area.w, area.h),
                         font=font)  # fmt: skip
    texts = []
    for n, draw in enumerate(card.draws):
        textfile = folder / f"{which}-{n}.txt"
        textfile.write_text(draw.text, encoding="utf-8")
        if draw.color == titles.ACCENT:
            color = _ffmpeg_color(kit.highlight_color) if kit.highlight_color else draw.color
        else:
            color = _ffmpeg_color(kit.text_color) if kit.text_color else draw.color
        texts.append(CardText(textfile, draw.fontfile, draw.size, draw.x, draw.baseline, color))
    seconds = float(getattr(kit, f"{which}_seconds"))
    return Card(seconds, _ffmpeg_color(kit.card_color or DEFAULT_CARD), tuple(texts), card.panel)


def brand_font_apply(ass: Path, *, family: str, path: str) -> bool:
    """Captions in the brand font: every style (and inline font change) of the .ass file takes
    the brand family, when the font covers all of the captions' text. The caption writer
    measured its lines in the automatic face: sizes are scaled so the brand font keeps the same
    em (libass sizes faces by their win height) and, when it is wider, so no line grows wider
    than it was measured. False: the file is left as it was."""
    subs = pysubs2.SSAFile.load(str(ass))
    font = fonts.font_at(path)
    text = "".join(event.plaintext for event in subs.events)
    if not subs.styles or not all(c.isspace() or font.covers(c) for c in text):
        return False
    style = next(iter(subs.styles.values()))
    original = fonts.primary_font(frozenset(text), bold=bool(style.bold))
    face = getattr(fonts, "caption_face", lambda *a, **k: None)(style.fontname, bold=bool(style.bold))
    original = face.path if face is not None else original
    share_brand, share_original = hooks.em_share(path), hooks.em_share(original)
    measure_brand = ImageFont.truetype(path, 200)
    measure_original = ImageFont.truetype(original, 200)
    wider = 1.0
    for event in subs.events:
        for line in event.plaintext.splitlines():
            if line.strip():
                wider = max(wider, measure_brand.getlength(line) / max(measure_original.getlength(line), 1.0))
    factor = share_original / share_brand / wider
    originals = {s.fontname for s in subs.styles.values()}
    for each in subs.styles.values():
        each.fontname = family
        each.fontsize = round(each.fontsize * factor, 1)
    names = re.compile(r"\\fn(" + "|".join(re.escape(name) for name in originals) + r")(?=[\\}])")
    sizes = re.compile(r"\\fs(\d+(?:\.\d+)?)")
    for event in subs.events:
        event.text = names.sub(lambda _: "\\fn" + family, event.text)
        event.text = sizes.sub(lambda m: f"\\fs{float(m.group(1)) * factor:.1f}", event.text)
    subs.save(str(ass), format_="ass")
    return True


def _stored(ctx: JobContext, name: str | None, info: dict[str, Any], what: str) -> Path | None:
    """A local copy of the kit's file; None (and a note in the result) when it has gone missing
    from storage: the clip renders without it rather than failing."""
    if not name:
        return None
    try:
        path = ctx.input_path(name)
    except FileNotFoundError:
        path = None
    if path is None or not path.exists():
        info[f"{what}_missing"] = True
        return None
    return path


def brand_overlays(
    ctx: JobContext,
    *,
    kit: BrandKit | None,
    clip: Clip,
    cuts: list[Cut],
    preset: Preset,
    style: dict[str, Any],
    captions: Path | None,
    folder: Path,
) -> tuple[Brand | None, dict[str, Any]]:
    """The logo, hook and cards of this render laid out together with the captions, and what
    the job's result says of them. Applies the brand font to the captions' .ass file."""
    info: dict[str, Any] = {}
    text = hook_text_for(clip=clip, cuts=cuts)
    has_logo = kit is not None and bool(kit.logo) and kit.logo_width > 0
    has_cards = kit is not None and bool(kit.intro_template or kit.outro_template)
    if not (text or has_logo or has_cards or (kit is not None and kit.font)):
        return None, info
    fonts_dir, font_path, hook_font = None, None, None
    stored_font = _stored(ctx, kit.font.name if kit is not None else None, info, "font")
    if kit is not None and stored_font is not None:
        fonts_dir = folder / "fonts"  # the captions' fontsdir too (captions.write_ass links its faces there)
        fonts_dir.mkdir(exist_ok=True)
        font_path = str(fonts_dir / stored_font.name)
        shutil.copyfile(stored_font, font_path)
        hook_font = hooks.HookFont(kit.font_family, font_path)
        if captions is not None and not style.get("font"):  # a font the clip names explicitly wins
            info["caption_font"] = kit.font_family if brand_font_apply(captions, family=kit.font_family,
                                                                       path=font_path) else None  # fmt: skip
    plan = composition.plan(
        width=preset.width, height=preset.height, safe=preset.safe_area(),
        captions=caption_box(preset, style) if captions is not None else None,
        logo=(kit.logo_width, kit.logo_height) if kit is not None and has_logo else None,
        logo_position=kit.logo_position if kit is not None else "top-right",
        logo_scale=kit.logo_scale if kit is not None else 0.18, hook=bool(text), cards=has_cards,
    )  # fmt: skip
    logo = None
    stored_logo = _stored(ctx, kit.logo.name if kit is not None and plan.logo is not None else None, info, "logo")
    if kit is not None and plan.logo is not None and stored_logo is not None:
        box = plan.logo
        logo = Logo(stored_logo, box.x, box.y, box.w, box.h, kit.logo_opacity)
        info["logo"] = [box.x, box.y, box.w, box.h]
    hook_ass = None
    if text and plan.hook is not None:
        face = hooks.font_for(text, hook_font)
        fitted = hooks.fit(text, band=plan.hook, height=preset.height, font=face)
        if fitted is not None:
            hook_ass = hooks.write(
                fitted, folder / "hook.ass", width=preset.width, height=preset.height, font=face,
                text_color=(kit.text_color if kit else "") or DEFAULT_TEXT,
                box_color=(kit.box_color if kit else "") or DEFAULT_BOX,
            )  # fmt: skip
            box = fitted.box
            info["hook"] = {"text": text, "box": [box.x, box.y, box.w, box.h], "seconds": hooks.SECONDS,
                            "font": face.family}  # fmt: skip
    if text and hook_ass is None:
        info["hook"] = {"text": text, "skipped": "no room for the hook in this layout"}
    intro = outro = None
    if kit is not None and has_cards:
        intro = _card(ctx, kit, "intro", plan=plan, font=font_path, folder=folder)
        outro = _card(ctx, kit, "outro", plan=plan, font=font_path, folder=folder)
        info["cards"] = {"intro": intro.seconds if intro else 0.0, "outro": outro.seconds if outro else 0.0}
    brand = Brand(logo=logo, hook=hook_ass, intro=intro, outro=outro, fonts_dir=fonts_dir)
    return brand, info
