"""Chat models behind one seam (base.ChatModel), and the composer that prompts them.

    base.py           ChatModel: stream_chat(messages, max_tokens, stop) -> text pieces
    models.py         find and verify GGUF files (the packaged Qwen, SmolLM2, your own)
    llamacpp.py       llama.cpp in this process, loaded once and shared
    openai_compat.py  any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp's server)
    composer.py       LLMComposer (the Composer seam of rag.compose) and the follow-up rewriter

Nothing heavy is imported here: llama_cpp and openai load inside their adapters.
"""

from rag.llm.base import ChatModel, Message

__all__ = ["ChatModel", "Message"]
