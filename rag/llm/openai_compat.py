"""Any OpenAI-compatible chat endpoint: OpenAI, vLLM, Ollama, llama.cpp's server.

Every failure (refused connection, timeout, HTTP error, empty reply) becomes LLMUnavailable
naming the URL, and the service answers extractively instead. No retries: the user is
waiting, and the extractive answer is ready at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from rag.errors import ConfigError, LLMUnavailable
from rag.llm.base import Message


class OpenAICompatModel:
    name = "openai"

    def __init__(self, base_url: str, api_key: str | None, model_name: str, timeout_s: float) -> None:
        self.base_url = with_api_path(base_url)
        self.api_key = api_key
        self.model_name = model_name
        self.timeout_s = timeout_s
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            try:
                from openai import OpenAI
            except ImportError:
                raise ConfigError("the openai backend needs the openai package: pip install 'ragchat[llm]'") from None
            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key or "none", timeout=self.timeout_s, max_retries=0)
        return self._client

    def stream_chat(self, messages: list[Message], *, max_tokens: int, stop: list[str] | None = None) -> Iterator[str]:
        import openai

        where = f"the LLM server at {self.base_url}"
        deadline = time.monotonic() + self.timeout_s  # the client's timeout is per read; this bounds the whole answer
        wrote = False
        try:
            stream = self.client().chat.completions.create(
                model=self.model_name, messages=messages, stream=True, temperature=0, max_tokens=max_tokens,
                **({"stop": stop} if stop else {}),
            )  # fmt: skip
            with stream:
                for chunk in stream:
                    piece = chunk.choices[0].delta.content if chunk.choices else None
                    if piece:
                        wrote = wrote or bool(piece.strip())
                        yield piece
                    if time.monotonic() > deadline:
                        raise LLMUnavailable(f"{where} took longer than {self.timeout_s:.0f} s: raise RAGCHAT_LLM_TIMEOUT or check the server")
        except openai.APITimeoutError:
            raise LLMUnavailable(f"{where} did not answer within {self.timeout_s:.0f} s: check the server or raise RAGCHAT_LLM_TIMEOUT") from None
        except openai.APIConnectionError as e:
            raise LLMUnavailable(f"could not reach {where} ({e.__cause__ or e}): start it or fix RAGCHAT_LLM_BASE_URL") from None
        except openai.APIStatusError as e:
            raise LLMUnavailable(
                f"{where} answered HTTP {e.status_code} ({_short(e.message)}): check RAGCHAT_LLM_MODEL_NAME and RAGCHAT_LLM_API_KEY"
            ) from None
        except openai.OpenAIError as e:
            raise LLMUnavailable(f"{where} failed ({_short(str(e))}): check the server") from None
        except (ValueError, KeyError, AttributeError, TypeError) as e:  # not the OpenAI protocol (JSONDecodeError is a ValueError)
            raise LLMUnavailable(f"{where} sent a reply that is not an OpenAI chat stream ({_short(str(e))}): check the URL") from None
        if not wrote:
            raise LLMUnavailable(f"{where} returned an empty answer: check the model it serves")


def with_api_path(base_url: str) -> str:
    """A bare server address gets the usual /v1 (what vLLM, Ollama and llama.cpp serve).

    >>> with_api_path("http://127.0.0.1:8080"), with_api_path("https://api.openai.com/v1/")
    ('http://127.0.0.1:8080/v1', 'https://api.openai.com/v1')
    """
    url = base_url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"llm_base_url must look like http://host:port/v1, not {base_url!r}")
    return url if parts.path else url + "/v1"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
