from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from costs.models import BudgetReservation
from costs.pricing import estimate_tts
from costs.selectors import month_to_date
from costs.services import (
    BudgetExceeded,
    budget_commit,
    budget_release,
    budget_release_stale,
    budget_reserve,
)
from editai.exceptions import as_api_exception
from profiles.models import Profile
from profiles.tenancy import profile_scope, unscoped
from tests.costs.utils import record_in, set_budget
from tests.scopedapp.models import Note

HELD = BudgetReservation.Status.HELD


def reserve_in(profile: Any, estimate: str, job_id: uuid.UUID | None = None) -> BudgetReservation:
    with profile_scope(profile):
        return budget_reserve(job_id=job_id or uuid.uuid4(), operation="tts", estimate_usd=Decimal(estimate))


def test_a_profile_without_a_budget_never_refuses(cast: Any) -> None:
    record_in(cast.store_a, "5000")
    reservation = reserve_in(cast.store_a, "1000000")
    assert reservation.status == HELD


def test_it_refuses_work_whose_estimate_passes_the_budget(cast: Any) -> None:
    set_budget(cast.store_a, "1.00")
    record_in(cast.store_a, "0.40")
    reserve_in(cast.store_a, "0.50")

    with pytest.raises(BudgetExceeded) as refusal:
        reserve_in(cast.store_a, "0.11")

    assert refusal.value.code == "budget_exceeded"
    assert as_api_exception(refusal.value).status_code == 402  # the one HTTP mapping, editai/exceptions.py
    message = str(refusal.value.detail)
    assert "$0.40 spent" in message
    assert "$0.50 reserved" in message
    assert "$0.11 estimated" in message
    assert "$1.00 budget" in message
    with unscoped():
        assert BudgetReservation.objects.count() == 1
    # Exactly up to the budget still fits.
    assert reserve_in(cast.store_a, "0.10").status == HELD


def test_the_refusal_shows_amounts_below_a_cent_as_they_are(cast: Any) -> None:
    set_budget(cast.store_a, "0.01")
    with pytest.raises(BudgetExceeded, match=r"plus \$0\.0105 estimated .* the \$0\.01 budget"):
        reserve_in(cast.store_a, "0.0105")


def test_other_profiles_spend_does_not_count(cast: Any) -> None:
    set_budget(cast.store_a, "1.00")
    record_in(cast.store_b, "50")
    reserve_in(cast.store_b, "50")
    assert reserve_in(cast.store_a, "1.00").status == HELD


def test_only_this_calendar_months_entries_count(cast: Any) -> None:
    set_budget(cast.store_a, "1.00")
    with freeze_time("2025-01-31 23:59:59"):
        record_in(cast.store_a, "0.90")
    with freeze_time("2025-02-01 00:00:00"):
        assert reserve_in(cast.store_a, "0.95").status == HELD
    with freeze_time("2025-01-31 23:59:59"), pytest.raises(BudgetExceeded):
        reserve_in(cast.store_a, "0.95")


def test_a_running_jobs_entries_are_not_counted_twice(cast: Any) -> None:
    set_budget(cast.store_a, "1.00")
    job = uuid.uuid4()
    reserve_in(cast.store_a, "0.50", job)
    record_in(cast.store_a, "0.30", job_id=job)
    with profile_scope(cast.store_a):
        month = month_to_date()
    assert (month.spent_usd, month.reserved_usd) == (Decimal("0.30"), Decimal("0.20"))
    # 0.30 spent + 0.20 still held + 0.50 = the budget: fits.
    assert reserve_in(cast.store_a, "0.50").status == HELD


def test_a_job_that_spends_beyond_its_estimate_counts_what_it_spent(cast: Any) -> None:
    set_budget(cast.store_a, "1.00")
    job = uuid.uuid4()
    reserve_in(cast.store_a, "0.10", job)
    record_in(cast.store_a, "0.80", job_id=job)
    with pytest.raises(BudgetExceeded):
        reserve_in(cast.store_a, "0.21")


def test_commit_and_release_stop_counting_the_estimate(cast: Any) -> None:
    set_budget(cast.store_a, "1.00")
    done, failed = uuid.uuid4(), uuid.uuid4()
    reserve_in(cast.store_a, "0.40", done)
    reserve_in(cast.store_a, "0.40", failed)
    record_in(cast.store_a, "0.25", job_id=done)
    record_in(cast.store_a, "0.05", job_id=failed)  # billed before it failed: still spent

    with profile_scope(cast.store_a):
        assert budget_commit(job_id=done).status == BudgetReservation.Status.COMMITTED
        assert budget_release(job_id=failed).status == BudgetReservation.Status.RELEASED
        # Settling twice changes nothing; a job that reserved nothing is fine.
        assert budget_release(job_id=done).status == BudgetReservation.Status.COMMITTED
        assert budget_commit(job_id=uuid.uuid4()) is None
        month = month_to_date()
    assert (month.spent_usd, month.reserved_usd) == (Decimal("0.30"), Decimal("0"))
    assert reserve_in(cast.store_a, "0.70").status == HELD


def test_reserving_again_for_the_same_job_replaces_its_estimate(cast: Any) -> None:
    set_budget(cast.store_a, "1.00")
    job = uuid.uuid4()
    reserve_in(cast.store_a, "0.90", job)
    with profile_scope(cast.store_a):
        budget_release(job_id=job)
    again = reserve_in(cast.store_a, "0.95", job)  # a retry: its own old estimate is not counted
    assert again.status == HELD
    assert again.estimate_usd == Decimal("0.95")
    with unscoped():
        assert BudgetReservation.objects.filter(job_id=job).count() == 1


def test_the_sweep_releases_reservations_of_dead_jobs_only(cast: Any) -> None:
    with freeze_time(timezone.now() - timedelta(hours=2)):
        dead_a = reserve_in(cast.store_a, "1")
        dead_bob = reserve_in(cast.bob_store, "1")
        live = reserve_in(cast.store_a, "1")
    recent = reserve_in(cast.store_a, "1")

    with unscoped():
        released = budget_release_stale(older_than=timedelta(hours=1), live_job_ids={live.job_id})
        status = dict(BudgetReservation.objects.values_list("pk", "status"))

    assert released == 2
    assert status[dead_a.pk] == status[dead_bob.pk] == BudgetReservation.Status.RELEASED
    assert status[live.pk] == status[recent.pk] == HELD


def test_the_sweep_within_a_scope_touches_that_profile_only(cast: Any) -> None:
    with freeze_time(timezone.now() - timedelta(hours=2)):
        reserve_in(cast.store_a, "1")
        bobs = reserve_in(cast.bob_store, "1")
    with profile_scope(cast.store_a):
        assert budget_release_stale(older_than=timedelta(hours=1), live_job_ids=set()) == 1
    assert BudgetReservation.all_objects.get(pk=bobs.pk).status == HELD


class CostedWorkView(APIView):
    """Stands in for a costed endpoint (TTS): creates its row and reserves in one transaction."""

    def post(self, request: Request) -> Response:
        characters = len(request.data["text"])
        with transaction.atomic():
            note = Note.objects.create(title=request.data["text"][:100])
            budget_reserve(
                job_id=uuid.uuid4(),
                operation="tts",
                estimate_usd=estimate_tts(provider="elevenlabs", model="eleven_multilingual_v2", characters=characters),
            )
        return Response({"id": note.pk}, status=202)


def test_a_costed_request_over_the_budget_answers_402_and_creates_nothing(cast: Any) -> None:
    set_budget(cast.store_a, "0.01")
    request = APIRequestFactory().post("/tts/", {"text": "x" * 100}, format="json")  # $0.03 estimated
    force_authenticate(request, user=cast.alice)

    with profile_scope(cast.store_a):
        response = CostedWorkView.as_view()(request)

    assert response.status_code == 402
    assert response.data["code"] == "budget_exceeded"
    assert "$0.01 budget" in response.data["detail"]
    with unscoped():
        assert Note.objects.count() == 0
        assert BudgetReservation.objects.count() == 0

    assert "$0.03 estimated" in response.data["detail"]

    fits = APIRequestFactory().post("/tts/", {"text": "x" * 30}, format="json")  # $0.009
    force_authenticate(fits, user=cast.alice)
    with profile_scope(cast.store_a):
        assert CostedWorkView.as_view()(fits).status_code == 202


def _reserve_in_thread(
    profile_id: Any, outcomes: list, *, barrier: threading.Barrier | None = None, before_commit: Any = None
) -> None:
    """Reserve $0.60 on a connection of its own, as a worker or another request would."""
    try:
        profile = Profile.objects.get(pk=profile_id)
        if barrier is not None:
            barrier.wait(10)
        with profile_scope(profile), transaction.atomic():
            budget_reserve(job_id=uuid.uuid4(), operation="tts", estimate_usd=Decimal("0.60"))
            if before_commit is not None:
                before_commit()
        outcomes.append("reserved")
    except BudgetExceeded:
        outcomes.append("refused")
    except Exception as exc:  # reported by the test, not lost in the thread
        outcomes.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_cannot_overspend_together(cast: Any) -> None:
    set_budget(cast.store_a, "1.00")
    outcomes: list = []
    first_reserved = threading.Event()

    def hold_the_lock() -> None:
        # The first job has reserved but not committed yet when the second one reserves.
        first_reserved.set()
        threading.Event().wait(0.5)

    first = threading.Thread(
        target=_reserve_in_thread, args=(cast.store_a.pk, outcomes), kwargs={"before_commit": hold_the_lock}
    )
    second = threading.Thread(target=_reserve_in_thread, args=(cast.store_a.pk, outcomes))
    first.start()
    assert first_reserved.wait(10)
    second.start()
    first.join(10)
    second.join(10)

    assert outcomes == ["reserved", "refused"]
    assert BudgetReservation.all_objects.filter(profile=cast.store_a, status=HELD).count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reservations_let_exactly_one_through(cast: Any) -> None:
    set_budget(cast.store_a, "1.00")
    for _ in range(5):
        BudgetReservation.all_objects.all().delete()
        outcomes: list = []
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=_reserve_in_thread, args=(cast.store_a.pk, outcomes), kwargs={"barrier": barrier})
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(map(str, outcomes)) == ["refused", "reserved"]
        assert BudgetReservation.all_objects.filter(status=HELD).count() == 1


def test_a_new_profile_starts_with_the_default_monthly_budget(db: Any, settings: Any) -> None:
    """A fresh sign-up cannot spend the install's provider keys without limit."""
    from rest_framework.test import APIClient

    from tests.conftest import api_client_for

    assert Decimal("25") == settings.DEFAULT_MONTHLY_BUDGET_USD
    response = APIClient().post(
        "/api/v1/auth/register/", {"username": "eve", "email": "eve@example.com", "password": "correct-horse-9"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    eve = Profile.objects.get(user__username="eve")
    assert eve.monthly_budget_usd == Decimal("25")
    created = api_client_for(eve.user).post("/api/v1/profiles/", {"name": "Second store"}, format="json")
    assert created.status_code == 201, created.content
    assert Decimal(created.json()["monthly_budget_usd"]) == Decimal("25")
    # An explicit value (unlimited included) is the owner's choice, and the setting can change.
    settings.DEFAULT_MONTHLY_BUDGET_USD = Decimal("7.50")
    third = api_client_for(eve.user).post("/api/v1/profiles/", {"name": "Third"}, format="json").json()
    assert Decimal(third["monthly_budget_usd"]) == Decimal("7.50")
    fourth = (
        api_client_for(eve.user)
        .post("/api/v1/profiles/", {"name": "Fourth", "monthly_budget_usd": "100.00"}, format="json")
        .json()
    )
    assert Decimal(fourth["monthly_budget_usd"]) == Decimal("100")
