"""Where :meth:`seeka_nb.credentials.Credentials.from_env` reads its values (layer 1).

Owns the ``SEEKA_*`` variable names (:data:`ENV_VARS`), the reading of a ``.env`` file
(through python-dotenv, never modifying ``os.environ``) and the message naming what is
missing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal

from seeka_nb.errors import ConfigurationError

__all__ = ["ENV_VARS", "REQUIRED", "missing_message", "read_dotenv"]

#: Field -> environment variable read by :meth:`Credentials.from_env`.
ENV_VARS: Final[Mapping[str, str]] = {
    "org_id": "SEEKA_ORG_ID",
    "public_key": "SEEKA_PUBLIC_KEY",
    "integration_name": "SEEKA_INTEGRATION_NAME",
    "integration_version": "SEEKA_INTEGRATION_VERSION",
    "endpoint": "SEEKA_ENDPOINT",
}
REQUIRED: Final = ("org_id", "public_key")


def read_dotenv(
    dotenv_path: str | os.PathLike[str] | Literal[False] | None,
) -> tuple[Mapping[str, str | None], str | None]:
    """The ``SEEKA_*`` values of the .env file, and a note for the "incomplete" message."""
    if dotenv_path is False:
        return {}, None
    explicit = dotenv_path is not None
    path = Path(dotenv_path) if dotenv_path else Path(".env")
    if not path.is_file():
        if explicit:
            raise ConfigurationError(
                f"No .env file at {path}: check dotenv_path, or leave it out to read ./.env."
            )
        return {}, None
    try:
        from dotenv import dotenv_values
    except ImportError:
        if explicit:
            raise ConfigurationError(
                f"Reading {path} needs python-dotenv: pip install python-dotenv, or set the "
                "SEEKA_* variables in the environment instead."
            ) from None
        return {}, (
            f"A .env file exists at {path.resolve()} but was not read because python-dotenv "
            "is not installed: pip install python-dotenv."
        )
    values = dotenv_values(path)
    return {k: v for k, v in values.items() if k in ENV_VARS.values()}, None


def missing_message(missing: list[str], file_note: str | None) -> str:
    one = len(missing) == 1
    where = "it as an environment variable" if one else "them as environment variables"
    message = (
        f"Seeka credentials are incomplete: {' and '.join(missing)} {'is' if one else 'are'} "
        f"not set. Set {where}, or in a .env file in the current folder (read when "
        "python-dotenv is installed), or pass the values directly: "
        "seeka_nb.Credentials(org_id=..., public_key=...). In a notebook, "
        "seeka_nb.widgets.CredentialsForm() asks for them."
    )
    return f"{message} {file_note}" if file_note else message
