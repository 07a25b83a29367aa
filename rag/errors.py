"""The few errors ragchat raises on purpose. Each message says what to do next.

The CLI and the UI print `str(error)` for these and never a traceback.
"""


class RagchatError(Exception):
    """Base class: anything the user can fix by changing input, settings or setup."""

    exit_code = 1


class InvalidInput(RagchatError):
    """A question, file or argument that cannot be used as given."""

    exit_code = 2


class ConfigError(RagchatError):
    """A setting with an invalid value, or a missing optional dependency."""

    exit_code = 2


class StoreError(RagchatError):
    """The vector store cannot be opened, read or written (corrupt, other version, server down)."""

    exit_code = 3


class ModelError(RagchatError):
    """A model file is missing, fails its checksum, or cannot be loaded."""

    exit_code = 4


class LLMUnavailable(RagchatError):
    """The LLM backend is down, too slow, or answered garbage. The service falls back."""

    exit_code = 5
