"""Embeddings of texts that depend only on the question (key points, their examples, the bank), kept per embedder.

An answer's own sentences change every time and are embedded fresh; a question's points and examples, and the
bank's questions that relevance compares against, are the same for every answer, so each is embedded once per
process and the answer pays only for its own sentences."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence

import numpy as np

from rehearse.ports import Embedder

_MAX_TEXTS = 20_000  # the whole bank with its examples is about 1,300: room for many custom questions


class EmbeddingCache:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()  # score_answer runs in worker threads

    def embed_with(self, fresh: Sequence[str], static: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of `fresh` (never cached) and of `static` (cached), in ONE embedder call for whatever is new."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in static if t not in self._vectors))
        texts = [*fresh, *missing]
        vectors = np.asarray(self._embedder.embed(texts), dtype=np.float32) if texts else np.zeros((0, 0), np.float32)
        with self._lock:
            if len(self._vectors) + len(missing) > _MAX_TEXTS:
                self._vectors.clear()
            for text, vector in zip(missing, vectors[len(fresh) :], strict=True):
                self._vectors[text] = vector
            static_vectors = np.stack([self._vectors[t] for t in static]) if static else np.zeros((0, vectors.shape[-1] if texts else 0), np.float32)
        return vectors[: len(fresh)], static_vectors

    def embed_static(self, static: Sequence[str]) -> np.ndarray:
        return self.embed_with([], static)[1]


_CACHES: weakref.WeakKeyDictionary[object, EmbeddingCache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def cache_for(embedder: Embedder) -> EmbeddingCache:
    """The cache that belongs to this embedder instance (it goes when the embedder goes)."""
    with _CACHES_LOCK:
        try:
            return _CACHES[embedder]
        except KeyError:
            cache = _CACHES[embedder] = EmbeddingCache(embedder)
            return cache
        except TypeError:  # an embedder that cannot be weakly referenced: no sharing, still correct
            return EmbeddingCache(embedder)
