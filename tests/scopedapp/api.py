from __future__ import annotations

from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from profiles.api import ProfileScopedViewSet, ScopedRelatedField
from profiles.tenancy import current_profile_id
from tests.scopedapp.models import Note


class NoteSerializer(serializers.ModelSerializer):
    parent = ScopedRelatedField(Note, required=False, allow_null=True)

    class Meta:
        model = Note
        fields = ["id", "title", "parent", "profile"]
        read_only_fields = ["profile"]


class NoteViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ProfileScopedViewSet,
):
    model = Note
    serializer_class = NoteSerializer


class ScopeProbeView(APIView):
    """Reports the profile seen while the response is being rendered (a generator is only
    consumed by the JSON renderer), to prove the scope covers rendering."""

    def get(self, request: Request) -> Response:
        return Response({"at_render": (str(current_profile_id()) for _ in range(1))})
