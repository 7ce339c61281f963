"""Building the adapters the app needs from settings (composition root)."""

from __future__ import annotations

from hotline.settings import Settings, SettingsError
from integrations.keys.local import KeyFileError, LocalKeyFile


def build_key_file(settings: Settings) -> LocalKeyFile:
    """The key provider and audit signer (created on first use in development only)."""
    try:
        return LocalKeyFile(
            settings.key_path,
            create=settings.env == "development",
            signer_name=settings.audit_log_name,
        )
    except KeyFileError as exc:
        raise SettingsError(str(exc)) from exc
