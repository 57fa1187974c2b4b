"""Submitting queued publications to Postiz (inside a publish job) and reconciling their state.

No duplicates: the post ids are saved as soon as Postiz answers, and a retried job first looks
for its group's posts in Postiz before creating them again. No overruns: every POST /posts is
logged per profile, and a job takes a free slot in the hourly budget before it posts. When there
is none (or Postiz answers 429), the job is rescheduled for the slot (JobDeferred): it never
sleeps in a worker for it. What it did so far (uploaded media, post ids) is saved on the
publications, so its next run carries on from there.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from library.jobs.context import JobContext
from library.jobs.registry import JobDeferred, JobError
from library.media import builders
from library.media import ffmpeg as ff
from library.media.graphs.encode import Encoding
from library.presets import preset_get
from library.providers.backoff import call_with_backoff, cancellable_sleep
from library.providers.errors import ProviderError
from profiles.models import Profile
from profiles.outbound import is_web_url
from profiles.tenancy import scoped_profile
from publishing.events import publications_status_emit
from publishing.models import PostizCall, Publication, PublicationStatus
from publishing.postiz import PostItem, PostizClient, PostizError, UploadedMedia
from publishing.postiz.types import PostType

logger = logging.getLogger(__name__)
T = TypeVar("T")
SEARCH_MARGIN = timedelta(days=2)
CREATE_ATTEMPTS = 5


@transaction.atomic
def post_slot_take() -> datetime | None:
    """Take a slot for one POST /posts in the profile's hourly budget (the call is logged) and
    return None; or, when the budget is used up, return when the next slot frees. The profile
    row lock makes concurrent jobs take turns."""
    window = timedelta(seconds=settings.POSTIZ_RATE_WINDOW_SECONDS)
    Profile.objects.select_for_update().filter(pk=scoped_profile().pk).first()
    recent = list(
        PostizCall.objects.filter(created_at__gt=timezone.now() - window)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    limit = settings.POSTIZ_POSTS_PER_HOUR
    if len(recent) < limit:
        PostizCall.objects.create()
        return None
    return recent[len(recent) - limit] + window + timedelta(milliseconds=50)


def _rate_limited(exc: PostizError, tries: int) -> JobDeferred:
    """Postiz refused for its rate limit: come back when it says (without a hint, later each time
    it refuses), rescheduled rather than asleep in a worker."""
    window = settings.POSTIZ_RATE_WINDOW_SECONDS
    wait = exc.retry_after if exc.retry_after is not None else min(window, 2.0**tries)
    wait = min(max(wait, 1.0), 2 * window)
    return JobDeferred(timezone.now() + timedelta(seconds=wait), "Postiz refused: rate limit; trying again then")


def _not_rate_limited(error: ProviderError) -> bool:
    return error.status != 429


def _call(ctx: JobContext, fn: Callable[[], T], *, tries: int, attempts: int = 4, base_delay: float = 1.0,
          max_delay: float = 60.0, jitter: bool = True) -> T:  # fmt: skip
    """call_with_backoff, which retries transient failures after short naps; a rate-limit
    refusal (or a server asking for more than `max_delay`) is not slept on: a 429 reschedules
    the job instead of waiting for Postiz's window in the worker."""
    try:
        return call_with_backoff(
            fn, attempts=attempts, base_delay=base_delay, max_delay=max_delay, jitter=jitter,
            retry_if=_not_rate_limited, sleep=ctx_sleep(ctx), what="Postiz call",
        )  # fmt: skip
    except PostizError as exc:
        if exc.code == "rate_limited":
            raise _rate_limited(exc, tries) from None
        raise


def _encoding(publication: Publication) -> Encoding:
    """The export preset the clip's final was rendered with (the defaults when it is gone)."""
    info = publication.clip.render_info if publication.clip is not None else None
    name = str((info or {}).get("preset") or "")
    preset = preset_get(name) if name else None
    return preset.encoding() if preset is not None else Encoding()


def _mp4(ctx: JobContext, publication: Publication) -> Path:
    """The clip's final file as MP4 (Postiz accepts no other video); remuxed when it is not."""
    clip = publication.clip
    if clip is None:  # submit_group checked it already; the type cannot tell
        raise JobError("The clip (or its final render) was deleted.")
    path = ctx.input_path(clip.final_file.name)
    head = path.open("rb").read(12)
    if path.suffix.lower() == ".mp4" and head[4:8] == b"ftyp":
        return path
    out = ctx.workspace / f"{publication.clip_id}.mp4"
    try:
        ff.run(builders.mp4(path, out, encoding=_encoding(publication)),
               timeout=ff.timeout_for(clip.final_duration or 60))  # fmt: skip
    except (ff.MediaError, subprocess.SubprocessError) as exc:
        raise JobError(f"The clip could not be converted to MP4: {exc}") from None
    return out


def _window(group: list[Publication]) -> tuple[datetime, datetime]:
    dates = [p.created_at for p in group] + [p.scheduled_at for p in group if p.scheduled_at]
    return min(dates) - SEARCH_MARGIN, max([*dates, timezone.now()]) + SEARCH_MARGIN


def _record(group: list[Publication], found: dict[str, str]) -> None:
    """Save Postiz's post ids (integration id -> post id) on the group's publications."""
    now = timezone.now()
    for publication in group:
        post_id = found.get(publication.integration_id)
        if post_id:
            Publication.objects.filter(pk=publication.pk).update(
                postiz_post_id=post_id, status=PublicationStatus.SUBMITTED, submitted_at=now, error=""
            )


def submit_group(ctx: JobContext, client: PostizClient, group_id: str, *, pace: bool = True) -> dict[str, Any]:
    """Upload the clip once, then create the group's posts in one POST /posts."""
    group = list(Publication.objects.filter(group=group_id).select_related("clip").order_by("integration_identifier"))
    pending = [p for p in group if p.status in (PublicationStatus.QUEUED, PublicationStatus.UPLOADING)]
    if not pending:
        return {"group": group_id, "skipped": "nothing left to submit"}
    tries = pending[0].attempts + 1
    Publication.objects.filter(pk__in=[p.pk for p in pending]).update(attempts=tries)
    if pending[0].clip is None or not pending[0].clip.final_file:
        raise JobError("The clip (or its final render) was deleted.")
    # A retry after a crash: the posts may already exist. Look before creating again.
    start, end = _window(group)
    existing = _call(ctx, lambda: client.find_posts_by_group(group_id, start=start, end=end), tries=tries)
    if existing:
        _record(pending, {p.integration_id: p.id for p in existing if p.integration_id})
        return {"group": group_id, "posts": [p.id for p in existing], "recovered": True}
    media = pending[0]
    if media.postiz_media_id and media.postiz_media_path:
        uploaded = UploadedMedia(id=media.postiz_media_id, path=media.postiz_media_path)
    else:
        Publication.objects.filter(pk__in=[p.pk for p in pending]).update(status=PublicationStatus.UPLOADING)
        uploaded = _call(ctx, lambda: client.upload(_mp4(ctx, media)), tries=tries)
        Publication.objects.filter(group=group_id).update(postiz_media_id=uploaded.id, postiz_media_path=uploaded.path)
    ctx.check_cancelled()
    first = pending[0]
    items = [
        PostItem(integration_id=p.integration_id, content=p.caption, settings=p.settings, media=[uploaded])
        for p in pending
    ]
    when = first.scheduled_at or timezone.now()
    free_at = post_slot_take() if pace else None
    if free_at is not None:
        raise JobDeferred(
            free_at, f"the profile's {settings.POSTIZ_POSTS_PER_HOUR} posts per hour are used up; next slot then"
        )
    tried = False

    def create_or_recover() -> dict[str, Any]:
        nonlocal tried
        if tried:
            # A timeout or 5xx may hide a post that was created: look before trying again.
            again = client.find_posts_by_group(group_id, start=start, end=end)
            if again:
                _record(pending, {p.integration_id: p.id for p in again if p.integration_id})
                return {"group": group_id, "posts": [p.id for p in again], "recovered": True}
        tried = True
        created = client.create_post(type=cast(PostType, first.type), date=when, posts=items, group=group_id)
        _record(pending, {c.integration_id: c.post_id for c in created})
        return {"group": group_id, "posts": [c.post_id for c in created]}

    # 429 is safe to retry (nothing was created) but is rescheduled, never slept on.
    window = float(settings.POSTIZ_RATE_WINDOW_SECONDS)
    return _call(ctx, create_or_recover, tries=tries, attempts=CREATE_ATTEMPTS, max_delay=window, jitter=False)


def ctx_sleep(ctx: JobContext) -> Callable[[float], None]:
    """A sleep that wakes up for a cancel request."""
    return cancellable_sleep(ctx.check_cancelled)


@transaction.atomic
def fail_open(group_ids: list[str], error: str) -> None:
    open_rows = Publication.objects.select_for_update().filter(
        group__in=group_ids, status__in=[PublicationStatus.QUEUED, PublicationStatus.UPLOADING]
    )
    failed = list(open_rows.values_list("pk", flat=True))
    Publication.objects.filter(pk__in=failed).update(status=PublicationStatus.FAILED, error=error[:5000])
    publications_status_emit(publication_ids=failed, status=PublicationStatus.FAILED)


STATE_TO_STATUS = {"PUBLISHED": PublicationStatus.PUBLISHED, "ERROR": PublicationStatus.FAILED}


def _release_url(value: str | None) -> str:
    """The post's public URL as Postiz reports it, kept only when it is an http(s) URL that fits
    the column: clients and the admin show it as a link, so `javascript:` and the like are dropped."""
    if not value:
        return ""
    max_length = cast(int, Publication._meta.get_field("release_url").max_length)  # a URLField has one
    if is_web_url(value) and len(value) <= max_length:
        return value
    logger.warning("Postiz reported a release URL that is not an http(s) URL; not stored")
    return ""


def reconcile(*, client: PostizClient) -> dict[str, int]:
    """Move the current profile's submitted publications to published or failed, from the
    states Postiz reports over the window they fall in."""
    open_rows = list(Publication.objects.filter(status=PublicationStatus.SUBMITTED).exclude(postiz_post_id=""))
    if not open_rows:
        return {"checked": 0, "published": 0, "failed": 0}
    start, end = _window(open_rows)
    states = {p.id: p for p in client.list_posts(start=start, end=end)}
    counts = {"checked": len(open_rows), "published": 0, "failed": 0}
    for publication in open_rows:
        state = states.get(publication.postiz_post_id)
        status = STATE_TO_STATUS.get(state.state) if state else None
        if status is None or state is None:
            continue
        fields: dict[str, Any] = {"status": status}
        if status == PublicationStatus.PUBLISHED:
            fields.update(release_url=_release_url(state.release_url), published_at=timezone.now())
        else:
            fields["error"] = "Postiz reports that the provider refused the post."
        with transaction.atomic():
            # Conditional: two reconciles at once (the schedule and a sync) report a change once.
            if Publication.objects.filter(pk=publication.pk, status=PublicationStatus.SUBMITTED).update(**fields):
                publications_status_emit(publication_ids=[publication.pk], status=status)
        counts[status] += 1
    return counts
