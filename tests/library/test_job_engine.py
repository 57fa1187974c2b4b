"""library/jobs/ is the engine only (registry, runner, queue, workspace, the JobContext Protocol):
it sits below the services and never imports them, and the job kinds are thin handlers (load
the row, call one service, return its result)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from django.conf import settings

from library.jobs import registry

ENGINE = Path(settings.BASE_DIR) / "library" / "jobs"
LIBRARY_KINDS = {
    "analyze", "bulk-render", "generate", "generate-from-segments", "preview", "render", "transcribe", "tts",
    "tool-add-voiceover", "tool-concatenate", "tool-detect-voice", "tool-mute-voice", "tool-title-card", "tool-trim",
}  # fmt: skip


def _imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def test_it_keeps_the_engine_below_the_services() -> None:
    upward = {
        f"{path.name} imports {name}"
        for path in sorted(ENGINE.glob("*.py"))
        for name in _imported(path)
        if name.startswith(("library.services", "library.handlers", "library.api", "publishing", "editai"))
    }
    assert not upward


def test_it_registers_every_library_kind_as_a_thin_handler() -> None:
    assert set(registry.kinds()) >= LIBRARY_KINDS
    for kind in sorted(LIBRARY_KINDS):
        handler = registry.get_handler(kind)
        lines, _ = inspect.getsourcelines(handler)
        assert handler.__module__ == "library.handlers", kind
        assert len(lines) <= 15, f"{kind}: {len(lines)} lines"
