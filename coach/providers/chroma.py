"""Chroma clients: embedded (PersistentClient under COACH_HOME) or a server (HttpClient)."""

from __future__ import annotations

from urllib.parse import urlparse

from coach.config import Settings
from coach.errors import ConfigError
from coach.ports import VectorClient


def make_client(settings: Settings) -> VectorClient:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(
                f"COACH_CHROMA_URL={settings.chroma_url!r} is not an http(s) URL such as "
                "http://127.0.0.1:8000."
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises several types for a dead server
            raise ConfigError(
                f"Cannot reach the Chroma server at {settings.chroma_url} ({exc}); start it "
                "(`chroma run --path DIR`) or unset COACH_CHROMA_URL to use the embedded store."
            ) from exc
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
