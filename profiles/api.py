"""The profile-scoped viewset base every tenant API derives from, and the user's profile CRUD."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from profiles import selectors, services
from profiles.models import Profile
from profiles.serializers import ProfileSerializer
from profiles.tenancy import ScopeError, current_profile

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class ProfileScopedViewSet(viewsets.GenericViewSet):
    """Base of every profile-scoped viewset (after PostHog's TeamAndOrgViewSetMixin).

    It alone builds the queryset and looks objects up, from the model's scoped manager, so an
    object of another profile is simply not found (404). Subclasses set `model` and may narrow
    the queryset with `scoped_queryset()`; overriding `get_queryset`/`get_object` is refused.
    """

    model: type[Model]
    profile_scoped = True
    _sealed = ("get_queryset", "get_object")

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for klass in cls.__mro__:
            if klass is ProfileScopedViewSet:
                break
            for name in cls._sealed:
                if name in vars(klass):
                    raise TypeError(
                        f"{cls.__name__} must not override {name}() (found on {klass.__name__}); "
                        "narrow the queryset with scoped_queryset() instead"
                    )

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation, no request scope
            return self.model._meta.base_manager.none()
        if current_profile() is None:
            raise ScopeError(f"{type(self).__name__} reached without a profile scope")
        return self.scoped_queryset(self.model._default_manager.all())

    def get_object(self) -> Any:
        return super().get_object()

    def scoped_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.save(profile=current_profile())


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another row of the current profile, looked up through the scoped manager.
    An id of another profile's row is answered like a missing one: 404."""

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.model = model
        # Never evaluated (get_queryset below is): it only tells schema tools the target model.
        kwargs.setdefault("queryset", model._base_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.model._default_manager.all()

    def to_internal_value(self, data: object) -> Model:
        try:
            return self.get_queryset().get(pk=data)
        except (ObjectDoesNotExist, DjangoValidationError, ValueError, TypeError):
            raise NotFound(f"{str(self.model._meta.verbose_name).capitalize()} not found.") from None


class ProfileViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in user's stores. User-scoped: another user's profile answers 404."""

    serializer_class = ProfileSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Profile.objects.none()
        return selectors.profile_list(user=cast("User", self.request.user))  # IsAuthenticated

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        user = cast("User", self.request.user)  # IsAuthenticated
        serializer.instance = services.profile_create(user=user, **serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        profile = cast("Profile", serializer.instance)  # an update always has its instance
        serializer.instance = services.profile_update(profile=profile, data=serializer.validated_data)

    def perform_destroy(self, instance: Profile) -> None:
        try:
            services.profile_delete(profile=instance)
        except services.CannotDeleteDefaultProfile as exc:
            raise ValidationError({"detail": str(exc), "code": "default_profile"}) from None

    @extend_schema(request=None, responses=ProfileSerializer)
    @action(detail=True, methods=["post"], url_path="set-default")
    def set_default(self, request: Request, pk: str | None = None) -> Response:
        profile = services.profile_set_default(profile=self.get_object())
        return Response(ProfileSerializer(profile).data, status=status.HTTP_200_OK)
