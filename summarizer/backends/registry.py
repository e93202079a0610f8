"""Which backend serves a run: `get_backend(settings)`, and the hook to add one.

Factories are tried newest first; the first whose match accepts the settings builds the
backend. A match is a kind (`Settings.backend`: "embedded", "openai") or a predicate on
the settings. The two built-in kinds are registered below; a plugin registers its own,
a test installs a backend for its duration:

    from summarizer.backends import register_backend, use_backend

    register_backend(lambda s: (s.model or "").startswith("mine:"), MyBackend)

    with use_backend(FakeBackend(answer=brief)):   # every run in this block answers
        CliRunner().invoke(app, ["article.txt"])   # from the fake

    @pytest.fixture
    def fake():
        with use_backend(FakeBackend()) as backend:
            yield backend

Registrations are process-wide (not per thread or task), like the settings they match.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from summarizer.errors import ConfigError
from summarizer.settings import Settings

if TYPE_CHECKING:
    from summarizer.backends.base import Backend

__all__ = ["Match", "Registration", "get_backend", "register_backend", "use_backend"]

B = TypeVar("B")
Match = str | Callable[[Settings], bool]
"""A kind ("embedded", "openai") or a predicate on the settings."""

_factories: list[Registration[Any]] = []
_lock = threading.Lock()


class Registration(Generic[B]):
    """One registered factory. `remove()` unregisters it; as a context manager it is
    removed on leaving the block, and `with` gives the backend it installed, if one."""

    def __init__(self, match: Match, factory: Callable[[Settings], B],
                 backend: B | None = None) -> None:
        self.match = match
        self.factory = factory
        self.backend = backend

    def accepts(self, settings: Settings) -> bool:
        if isinstance(self.match, str):
            try:
                return settings.backend == self.match
            except ConfigError:  # settings of no kind: the built-in factory says why
                return False
        return self.match(settings)

    def remove(self) -> None:
        with _lock:
            if self in _factories:
                _factories.remove(self)

    def __enter__(self) -> B | None:
        return self.backend

    def __exit__(self, *exc: object) -> None:
        self.remove()


def register_backend(match: Match, factory: Callable[[Settings], B]) -> Registration[B]:
    """Build backends with `factory` for the settings `match` accepts (newest first)."""
    registration = Registration(match, factory)
    with _lock:
        _factories.append(registration)
    return registration


def use_backend(backend: B) -> Registration[B]:
    """Answer every `get_backend` call with `backend` until the registration is removed
    (at the end of a `with` block): how tests put a `FakeBackend` behind the CLI."""
    registration = Registration(lambda settings: True, lambda settings: backend, backend)
    with _lock:
        _factories.append(registration)
    return registration


def get_backend(settings: Settings) -> Backend:
    """The backend for these settings. Cheap to build: embedded backends share one loaded
    model per (file, context, threads) through `embedded._load_server`."""
    with _lock:
        candidates = list(reversed(_factories))
    for registration in candidates:
        if registration.accepts(settings):
            backend: Backend = registration.factory(settings)
            return backend
    raise ConfigError("no backend is registered for these settings",
                      hint="register one with summarizer.backends.register_backend")


def _built_in(settings: Settings) -> Backend:
    """The package's own kinds. `Settings.backend` raises ConfigError for a model that is
    neither a .gguf file nor reachable, as it did before there was a registry."""
    if settings.backend == "openai":
        from summarizer.backends.remote import OpenAIBackend

        return OpenAIBackend(settings)
    from summarizer.backends.embedded import EmbeddedBackend

    return EmbeddedBackend(settings)


register_backend(lambda settings: True, _built_in)  # the first registered: tried last
