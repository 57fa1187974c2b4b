from __future__ import annotations

import logging


class ProfileContextFilter(logging.Filter):
    """Adds `profile_id` (the active profile, `-` when none) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "profile_id"):
            # Imported here: logging is configured before the app registry is ready.
            from profiles.tenancy import current_profile_id

            profile_id = current_profile_id()
            record.profile_id = str(profile_id) if profile_id is not None else "-"
        return True
