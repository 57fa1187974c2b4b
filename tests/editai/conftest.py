from __future__ import annotations

# The fake Postiz and the stores connected to it, as the publishing tests have them.
from tests.publishing.test_publish import connected, fake  # noqa: F401
