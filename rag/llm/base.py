"""The chat-model seam: one method, streaming text pieces.

Every backend (llama.cpp in process, any OpenAI-compatible server) fills it the same way:
  - `stream_chat` yields the reply as it is written, greedy (temperature 0);
  - a backend that is down, too slow, or answers nothing usable raises LLMUnavailable
    (the service then answers extractively and says why);
  - a model file that is missing or fails its checksum raises ModelError (the user must fix it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


class ChatModel(Protocol):
    name: str  # the backend, as Answer.backend shows it: "llama-cpp", "openai"

    def stream_chat(self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        """Yield the assistant's reply to `messages` piece by piece."""
        ...
