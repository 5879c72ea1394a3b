"""Settings from secret files, as Docker and Kubernetes provide them: a directory with one file
per setting, named like its variable in lower case (``inventory_secret_key``)."""

from pathlib import Path

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SecretsSettingsSource

#: Where Docker (``secrets:`` in compose, swarm) and Kubernetes (a secret volume mounted there)
#: put secret files; read when it exists and ``INVENTORY_SECRETS_DIR`` names no other directory.
DEFAULT_SECRETS_DIR = Path("/run/secrets")


class SecretFiles(PydanticBaseSettingsSource):
    """pydantic-settings' secret files, from the directory that ``secrets_dir`` names in the
    sources before it (or ``/run/secrets`` when it exists). A named directory that does not
    exist yields nothing here: the field's validator refuses it with a clear message."""

    def __init__(
        self, settings_cls: type[BaseSettings], earlier: tuple[PydanticBaseSettingsSource, ...]
    ) -> None:
        super().__init__(settings_cls)
        self._earlier = earlier

    def get_field_value(self, field: object, field_name: str) -> tuple[object, str, bool]:
        return None, field_name, False  # unused: __call__ reads every field at once

    def _directory(self) -> Path:
        for source in self._earlier:
            named = source().get("secrets_dir")
            if named:
                return Path(str(named))
        return DEFAULT_SECRETS_DIR

    def __call__(self) -> dict[str, object]:
        directory = self._directory()
        if not directory.is_dir():
            return {}
        return SecretsSettingsSource(self.settings_cls, secrets_dir=directory)()
