"""Generated ids made real, for the schema fuzzers (in-process and live): an id the generator
meant as valid (a UUID in a path or a body) becomes the id of a row of the acting store's world,
so requests reach the views instead of stopping at a 404. Invalid ids are left as generated."""

from __future__ import annotations

import uuid
from typing import Any

from tests.proof.world import World

ROW_BY_PREFIX = {
    "/api/v1/library/source-videos/": "video",
    "/api/v1/library/segments/": "segment",
    "/api/v1/library/projects/": "project",
    "/api/v1/library/clips/": "clip",
    "/api/v1/jobs/": "job",
    "/api/v1/costs/entries/": "cost_entry",
    "/api/v1/publishing/publications/": "publication",
}
BODY_FIELDS = {
    "source_video": "video",
    "source_videos": "video",
    "clip": "clip",
    "clips": "clip",
    "segments": "segment",
    "project": "project",
}


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def retarget(case: Any, world: World, spare_profile: Any) -> None:
    """Point `case` at the world's rows. Profile routes get `spare_profile` (another store of
    the same user): deleting or editing it leaves the acting store intact."""
    path_params = case.path_parameters or {}
    for prefix, attr in ROW_BY_PREFIX.items():
        if case.path.startswith(prefix) and is_uuid(path_params.get("id")):
            path_params["id"] = str(getattr(world, attr).pk)
    if case.path.startswith("/api/v1/webhooks/{webhook_pk}/"):
        if is_uuid(path_params.get("webhook_pk")):
            path_params["webhook_pk"] = str(world.webhook.pk)
        if is_uuid(path_params.get("id")):
            path_params["id"] = str(world.delivery.pk)
    elif case.path.startswith("/api/v1/webhooks/") and is_uuid(path_params.get("id")):
        path_params["id"] = str(world.webhook.pk)
    if case.path.startswith("/api/v1/profiles/") and is_uuid(path_params.get("id")):
        path_params["id"] = str(spare_profile.pk)
    if case.path.startswith("/api/v1/library/presets/") and "name" in path_params:
        path_params["name"] = world.preset.name
    if case.path.startswith("/api/v1/tools/templates/") and "name" in path_params:
        path_params["name"] = "intro"
    if isinstance(case.body, dict):
        for field, attr in BODY_FIELDS.items():
            value = case.body.get(field)
            real = str(getattr(world, attr).pk)
            if is_uuid(value):
                case.body[field] = real
            elif isinstance(value, list) and value and all(is_uuid(v) for v in value):
                case.body[field] = [real]
