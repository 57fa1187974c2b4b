"""Postiz's per-post statistics (GET /analytics/post/{postId}?date=N, see ../shared/POSTIZ.md):
`[{label, data: [{total, date}], percentageChange}]` with `total` a string and `date`
YYYY-MM-DD; `[]` when there is nothing yet; `{"missing": true}` when Postiz lost the post's
release id."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from publishing.postiz.types import as_list, as_object, bad_response

BIGINT_MAX = 2**63 - 1  # the largest count PostgreSQL stores


@dataclass(frozen=True)
class AnalyticsSeries:
    label: str  # the provider's own ("Views", "Likes", "Impressions"...)
    days: dict[date, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PostAnalytics:
    series: list[AnalyticsSeries]
    missing: bool = False  # Postiz no longer knows the post's release id


def _total(value: object) -> int:
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        raise bad_response("an analytics total is not a number") from None
    if not 0 <= number <= BIGINT_MAX:  # NaN, negatives, infinities and "1e30" alike
        raise bad_response("an analytics total is not a count")
    return int(number)


def post_analytics_from_json(data: object) -> PostAnalytics:
    if isinstance(data, dict) and data.get("missing") is True:
        return PostAnalytics(series=[], missing=True)
    series = []
    for item in as_list(data, "analytics answer"):
        entry = as_object(item, "analytics series")
        label = entry.get("label")
        if isinstance(label, str):
            label = label.replace("\x00", "")  # jsonb (the stored metrics' keys) cannot hold \u0000
        if not isinstance(label, str) or not label.strip():
            raise bad_response("an analytics series has no label")
        days: dict[date, int] = {}
        for point in as_list(entry.get("data", []), "analytics data"):
            values = as_object(point, "analytics point")
            try:
                day = date.fromisoformat(str(values.get("date"))[:10])
            except ValueError:
                raise bad_response("an analytics date is not YYYY-MM-DD") from None
            days[day] = _total(values.get("total"))
        series.append(AnalyticsSeries(label=label.strip()[:100], days=days))
    return PostAnalytics(series=series)
