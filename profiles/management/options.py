"""What the operator commands share: `--profile` and `--older-than` parsing, and a progress bar
that appears only when a person watches (stdout is a terminal)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from profiles.models import Profile

T = TypeVar("T")


def parse_age(text: str, *, option: str = "--older-than") -> timedelta:
    """'90s', '30m', '6h', '2d' (a bare number is seconds)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    try:
        seconds = float(text[:-1]) * units[text[-1]] if text and text[-1] in units else float(text)
    except ValueError:
        raise CommandError(f"{option} must look like 90s, 30m, 6h or 2d, not {text!r}") from None
    if not seconds >= 0:  # also refuses nan
        raise CommandError(f"{option} cannot be negative, got {text!r}")
    return timedelta(seconds=seconds)


def profile_option(value: str | None) -> Profile | None:
    """The profile named by `--profile <id>`, or None when the option was not given."""
    if value is None:
        return None
    try:
        profile_id = uuid.UUID(value.strip())
    except ValueError:
        raise CommandError(f"--profile must be a profile id (a UUID), not {value!r}") from None
    profile = Profile.objects.filter(pk=profile_id).first()
    if profile is None:
        raise CommandError(f"no profile {profile_id}")
    return profile


def progress(command: BaseCommand, iterable: Iterable[T], *, desc: str, total: int | None = None) -> Iterator[T]:
    """`iterable`, with a tqdm bar on stderr when the command's stdout is a terminal (so pipes,
    cron mails and tests get the summary line only)."""
    disable = not command.stdout.isatty()
    return iter(tqdm(iterable, desc=desc, total=total, leave=False, file=sys.stderr, disable=disable))


def progress_wrapper(command: BaseCommand, *, desc: str) -> Any:
    """`progress` as a one-argument callable, for services that accept `progress=`."""
    return lambda iterable: progress(command, iterable, desc=desc)
