"""Encryption of secrets at rest: a text field stored as a MultiFernet token."""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(("editai-field-key:" + settings.SECRET_KEY).encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"EDITAI_FIELD_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}") from None


def reset_key_cache() -> None:
    _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return PREFIX + _fernet().encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ImproperlyConfigured("an encrypted column holds a value that was not encrypted")
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "cannot decrypt a stored secret: EDITAI_FIELD_ENCRYPTION_KEYS lacks the key it was made with"
        ) from None


class EncryptedTextField(models.TextField):
    """Holds plaintext in Python and a Fernet token in the database. Empty stays empty."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str:
        if value in (None, ""):
            return ""
        return decrypt(value)

    def get_prep_value(self, value: object) -> str:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return ""
        return encrypt(str(value))
