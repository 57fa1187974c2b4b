from __future__ import annotations

import threading
from typing import Any

import pytest

from profiles.api import ProfileScopedViewSet
from profiles.tenancy import ScopeError, current_profile, profile_scope, unscoped
from tests.scopedapp.models import Note
from tests.scopedapp.tasks import note_rename


def _note(profile: Any, title: str) -> Note:
    with profile_scope(profile):
        return Note.objects.create(title=title)


def test_it_raises_scope_error_outside_any_scope(cast: Any) -> None:
    _note(cast.store_a, "a")
    with pytest.raises(ScopeError):
        list(Note.objects.all())
    with pytest.raises(ScopeError):
        Note.objects.count()


def test_it_sees_only_the_current_profiles_rows(cast: Any) -> None:
    _note(cast.store_a, "a")
    _note(cast.store_b, "b")
    with profile_scope(cast.store_a):
        assert list(Note.objects.values_list("title", flat=True)) == ["a"]
    with profile_scope(cast.store_b):
        assert list(Note.objects.values_list("title", flat=True)) == ["b"]


def test_unscoped_sees_all_rows(cast: Any) -> None:
    _note(cast.store_a, "a")
    _note(cast.bob_store, "b")
    with unscoped():
        assert Note.objects.count() == 2


def test_it_stamps_the_current_profile_on_new_rows(cast: Any) -> None:
    assert _note(cast.store_b, "x").profile_id == cast.store_b.pk


def test_it_refuses_to_create_outside_a_scope(cast: Any) -> None:
    with pytest.raises(ScopeError):
        Note(title="orphan").save()
    with unscoped(), pytest.raises(ScopeError):
        Note(title="orphan").save()  # unscoped may read all, but a new row needs an owner


def test_saving_a_row_under_the_wrong_scope_raises(cast: Any) -> None:
    note = _note(cast.store_a, "a")
    with profile_scope(cast.bob_store):
        note.title = "hijacked"
        with pytest.raises(ScopeError):
            note.save()
        with pytest.raises(ScopeError):
            note.delete()
    with unscoped():
        assert Note.objects.get(pk=note.pk).title == "a"


def test_bulk_create_stamps_and_refuses_foreign_rows(cast: Any) -> None:
    with profile_scope(cast.store_a):
        made = Note.objects.bulk_create([Note(title="1"), Note(title="2")])
        assert {n.profile_id for n in made} == {cast.store_a.pk}
        with pytest.raises(ScopeError):
            Note.objects.bulk_create([Note(title="3", profile=cast.bob_store)])


def test_the_scope_is_restored_after_an_error(cast: Any) -> None:
    with pytest.raises(ValueError), profile_scope(cast.store_a):
        raise ValueError
    assert current_profile() is None
    with profile_scope(cast.store_a):
        with profile_scope(cast.store_b):
            assert current_profile() == cast.store_b
        assert current_profile() == cast.store_a


def test_scopes_do_not_leak_between_threads(cast: Any, django_db_blocker: Any) -> None:
    seen: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def worker(name: str, profile: Any) -> None:
        with profile_scope(profile):
            barrier.wait()
            seen[name] = current_profile()

    threads = [threading.Thread(target=worker, args=(n, p)) for n, p in (("a", cast.store_a), ("b", cast.bob_store))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": cast.store_a, "b": cast.bob_store}
    assert current_profile() is None


def test_a_task_run_outside_any_scope_restores_its_profile(cast: Any) -> None:
    note = _note(cast.store_b, "draft")
    _note(cast.store_a, "other")
    assert current_profile() is None

    result = note_rename(note.pk, "final", profile_id=str(cast.store_b.pk))

    assert result == {"profile_id": str(cast.store_b.pk), "visible": 1}
    assert current_profile() is None
    with unscoped():
        assert Note.objects.get(pk=note.pk).title == "final"


def test_a_task_cannot_reach_another_profiles_row(cast: Any) -> None:
    note = _note(cast.store_a, "a")
    with pytest.raises(Note.DoesNotExist):
        note_rename(note.pk, "x", profile_id=str(cast.bob_store.pk))


def test_the_viewset_base_refuses_queryset_overrides() -> None:
    with pytest.raises(TypeError, match="scoped_queryset"):

        class Leaky(ProfileScopedViewSet):
            model = Note

            def get_queryset(self):  # type: ignore[no-untyped-def]
                return Note.all_objects.all()

    class Mixin:
        def get_object(self):  # type: ignore[no-untyped-def]
            return None

    with pytest.raises(TypeError):

        class LeakyToo(Mixin, ProfileScopedViewSet):
            model = Note


def test_deleting_a_profile_cascades_to_its_rows(cast: Any) -> None:
    _note(cast.store_b, "b")
    _note(cast.store_a, "a")
    cast.store_b.delete()
    with unscoped():
        assert list(Note.objects.values_list("title", flat=True)) == ["a"]
