"""The opening hook: set on a clip's content or on one-click (`hook_text`, or `hook: "auto"`),
and which text "auto" picks: the script's first sentence, else the first sentence spoken inside
the clip's cuts (the source's transcript)."""

from __future__ import annotations

from typing import Any

from editai.oneclick.services import _variants_create
from library.media.hook import first_sentence
from library.models import Clip
from library.selection import Cut
from library.services.brand_render import hook_text_for
from profiles.tenancy import profile_scope
from tests.factories import ClipFactory, ProjectFactory, TranscriptFactory

CLIPS = "/api/v1/library/clips/"


def test_the_first_sentence_is_cut_at_its_end_and_kept_short() -> None:
    assert first_sentence("Meet the bunny. He wakes up early.") == "Meet the bunny."
    assert first_sentence("  No end at all  ") == "No end at all"
    assert first_sentence("这是新品。非常轻。") == "这是新品。"
    assert first_sentence("مرحبا بكم في متجرنا. هذا الحذاء") == "مرحبا بكم في متجرنا."
    long = first_sentence("word " * 60)
    assert len(long) <= 120 and long.endswith("…")


def test_clip_content_takes_a_hook_and_refuses_bad_ones(alice_client: Any, store: dict) -> None:
    url = f"{CLIPS}{store['clip'].pk}/content/"
    response = alice_client.patch(url, {"hook_text": "Stop scrolling"}, format="json")
    assert response.status_code == 200 and response.json()["hook_text"] == "Stop scrolling"
    assert alice_client.patch(url, {"hook": "auto"}, format="json").json()["hook_auto"] is True
    assert alice_client.patch(url, {"hook": "none"}, format="json").json()["hook_auto"] is False
    for body in ({"hook": "yes"}, {"hook_text": "x" * 121}, {"hook": ["auto"]}):
        assert alice_client.patch(url, body, format="json").status_code == 400, body


def test_auto_takes_the_scripts_first_sentence_else_what_is_said_in_the_cuts(cast: Any, store: dict) -> None:
    video = store["video"]
    TranscriptFactory(profile=cast.store_a, source_video=video)
    with profile_scope(cast.store_a):
        clip = Clip.objects.get(pk=store["clip"].pk)
        clip.hook_auto = True
        clip.script_text = "Light as air. Made to walk."
        assert hook_text_for(clip=clip, cuts=[Cut(str(video.pk), 0.0, 3.0)]) == "Light as air."
        clip.script_text = ""
        # The cut starts after the first sentence: the one spoken inside the clip.
        assert hook_text_for(clip=clip, cuts=[Cut(str(video.pk), 1.0, 3.0)]) == "It costs twenty dollars."
        assert hook_text_for(clip=clip, cuts=[Cut(str(video.pk), 5.0, 8.0)]) == "This lamp folds flat."
        clip.hook_text = "  Own   words  "
        assert hook_text_for(clip=clip, cuts=[Cut(str(video.pk), 0.0, 3.0)]) == "Own words"
        clip.hook_text, clip.hook_auto = "", False
        assert hook_text_for(clip=clip, cuts=[Cut(str(video.pk), 0.0, 3.0)]) == ""


def test_one_click_passes_the_hook_to_every_variant(cast: Any, alice_client: Any, store: dict) -> None:
    bad = alice_client.post("/api/v1/library/one-click/", {"source_video": str(store["video"].pk), "hook": "maybe"},
                            format="json")  # fmt: skip
    assert bad.status_code == 400 and "hook" in bad.json()
    project = ProjectFactory(profile=cast.store_a)
    plans = [[Cut(str(store["video"].pk), 0.0, 2.0)], [Cut(str(store["video"].pk), 2.0, 4.0)]]
    with profile_scope(cast.store_a):
        clips = _variants_create(project=project, plans=plans, analysis_id="x",
                                 params={"hook_text": "", "hook_auto": True, "caption_style": {}})  # fmt: skip
    assert [c.hook_auto for c in clips] == [True, True]
    assert ClipFactory._meta.model.all_objects.filter(project=project, hook_auto=True).count() == 2


def test_backslash_codes_and_braces_in_a_hook_are_drawn_as_typed(tmp_path: Any) -> None:
    """Review finding 8: '\\N' in a hook must not break its line, nor '{\\b1}' open a tag: the
    backslash becomes U+FF3C (drawn by Noto Sans CJK), braces parentheses. One frame rendered."""
    import subprocess

    import numpy as np

    from library.media import hook as hooks
    from library.media.layout import Box

    w, h, typed = 360, 640, "Go\\Nnow {\\b1}ok"
    font = hooks.font_for(typed, None)
    fitted = hooks.fit(typed, band=Box(20, 40, w - 40, 200), height=h, font=font)
    assert fitted is not None and len(fitted.lines) == 1
    ass = hooks.write(fitted, tmp_path / "hook.ass", width=w, height=h, font=font)
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", f"color=c=0x808080:s={w}x{h}:r=4:d=1",
                          "-vf", f"ass={ass}", "-ss", "0.5", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         capture_output=True, check=True, timeout=30).stdout  # fmt: skip
    tall = int((np.abs(np.frombuffer(raw, np.uint8).reshape(h, w).astype(int) - 128) > 40).any(axis=1).sum())
    assert tall < fitted.box.h + fitted.size // 2, (tall, fitted.box)  # the box holds one line, not two
    text = ass.read_text().split("Dialogue:", 1)[1]
    assert "Go\uff3cNnow (\uff3cb1)ok" in text and "\\N" not in text and "\\b1" not in text
