"""ragchat: cited answers from a folder of news articles.

    from rag import Assistant
    bot = Assistant(backend="extractive")
    bot.ingest()                       # corpus/ -> .ragchat/
    answer = bot.ask("What did Stoltenberg say about Russia's losses?")
    print(answer.text, answer.citations)

Importing this package is cheap: torch, chromadb and the models load on first use.
"""

from rag.errors import ConfigError, InvalidInput, LLMUnavailable, ModelError, RagchatError, StoreError
from rag.service import Assistant
from rag.types import Answer, Citation, IngestSummary

__all__ = [
    "Answer", "Assistant", "Citation", "ConfigError", "IngestSummary", "InvalidInput",
    "LLMUnavailable", "ModelError", "RagchatError", "StoreError",
]  # fmt: skip
