from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from costs.models import CostEntry, Provider
from costs.selectors import GROUP_BY


@extend_schema_field({"type": "string", "example": "2025-01-31", "description": "YYYY-MM-DD or ISO 8601"})
class MomentField(serializers.Field):
    """A date (`2025-01-31`) or an ISO 8601 date-time; naive times are UTC. Parsed to
    `(datetime, date_only)` so that the period can treat a date as a whole day."""

    default_error_messages = {"invalid": "Use a date (YYYY-MM-DD) or an ISO 8601 date-time."}

    def to_internal_value(self, data: object) -> tuple[datetime, bool]:
        text = str(data).strip()
        try:
            day = parse_date(text)
            if day is not None:
                return datetime.combine(day, time.min, tzinfo=UTC), True
            moment = parse_datetime(text)
        except ValueError:  # well-formed but impossible, e.g. 2025-02-30
            moment = None
        if moment is None:
            self.fail("invalid")
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)
        return moment, False

    def to_representation(self, value: object) -> object:
        return value.isoformat() if isinstance(value, datetime | date) else value


class PeriodSerializer(serializers.Serializer):
    """`since` and `until` are both inclusive: `until=2025-01-31` covers that whole day. The
    validated data is the half-open [since, until) the selectors take."""

    since = MomentField(required=False, help_text="From this date or date-time (inclusive, UTC).")
    until = MomentField(required=False, help_text="Up to this date or date-time (inclusive, UTC).")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since = attrs["since"][0] if "since" in attrs else None
        until = None
        if "until" in attrs:
            moment, date_only = attrs["until"]
            until = moment + (timedelta(days=1) if date_only else timedelta(microseconds=1))
        if since is not None and until is not None and until <= since:
            raise serializers.ValidationError({"until": "Must not be before since."})
        return {**attrs, "since": since, "until": until}


class SummaryInputSerializer(PeriodSerializer):
    group_by = serializers.ChoiceField(choices=GROUP_BY, default="provider")


class EntryFilterSerializer(PeriodSerializer):
    provider = serializers.ChoiceField(choices=Provider.choices, required=False)
    model = serializers.CharField(required=False, max_length=100)
    operation = serializers.CharField(required=False, max_length=40)


class CostEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = CostEntry
        fields = ["id", "provider", "model", "operation", "units", "cost_usd", "job_id", "created_at"]
        read_only_fields = fields


class UnitsSerializer(serializers.Serializer):
    characters = serializers.IntegerField(required=False)
    input_tokens = serializers.IntegerField(required=False)
    output_tokens = serializers.IntegerField(required=False)
    thinking_tokens = serializers.IntegerField(required=False)
    frames = serializers.IntegerField(required=False)
    seconds = serializers.FloatField(required=False)


class SummaryGroupSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Provider, day (YYYY-MM-DD) or month (YYYY-MM), by group_by.")
    total_usd = serializers.CharField()
    count = serializers.IntegerField(help_text="Number of entries.")
    units = UnitsSerializer()


class SummarySerializer(serializers.Serializer):
    total_usd = serializers.CharField()
    currency = serializers.CharField()
    group_by = serializers.CharField()
    groups = SummaryGroupSerializer(many=True)


class UsageSerializer(serializers.Serializer):
    currency = serializers.CharField()
    month = serializers.CharField()
    period_start = serializers.DateTimeField()
    spent_usd = serializers.CharField(help_text="Recorded this calendar month (UTC).")
    reserved_usd = serializers.CharField(help_text="Held for running jobs, beyond what they recorded.")
    budget_usd = serializers.CharField(allow_null=True, help_text="null: unlimited.")
    remaining_usd = serializers.CharField(allow_null=True)
    percent_used = serializers.FloatField(allow_null=True, help_text="(spent + reserved) / budget.")
    by_provider = serializers.DictField(child=serializers.CharField())
