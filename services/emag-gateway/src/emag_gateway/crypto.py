"""Encryption of eMAG credentials at rest (Fernet: AES-128-CBC + HMAC-SHA256).

Keys come from configuration; several may be given so a key can be rotated: the first
encrypts, every one decrypts.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CredentialsCipher:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as exc:
            raise ValueError(
                "an eMAG credentials key is not a Fernet key (urlsafe base64 of 32 bytes)"
            ) from exc

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError(
                "stored eMAG credentials cannot be decrypted with the configured "
                "keys (was TARABA_EMAG_CREDENTIALS_KEYS changed?)"
            ) from exc
