"""Sentence embeddings with all-MiniLM-L6-v2 on onnxruntime: the Embedder port without torch.

The model directory comes from `make models` (scripts/build-embedder.sh): model.onnx, tokenizer.json, manifest.json.
Pooling and normalisation follow sentence-transformers exactly, so vectors match the reference model to ~1e-6.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

from rehearse.domain.errors import ModelUnavailable

DIM = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2; longer texts are cut, as there
BATCH_SIZE = 32
_FIX = "build it with `make models` (or `scripts/build-embedder.sh {dir}`)"


class OnnxEmbedder:
    """Embeds texts as float32 rows of unit length; thread-safe (onnxruntime sessions and tokenizers are)."""

    def __init__(self, model_dir: Path, threads: int = 1) -> None:
        model_dir = Path(model_dir)
        self._max_tokens = _check_model_dir(model_dir)
        self._tokenizer = _tokenizer(model_dir / "tokenizer.json", self._max_tokens)
        self._session = _session(model_dir / "model.onnx", threads)
        # The scorer's matrices beside the embedder are small (sentences x key points), but numpy's BLAS threads
        # spin after each product and slowed the embedder's own threads by 40% (score_answer_ms 163 -> 117 ms).
        threadpool_limits(limits=1, user_api="blas")

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Shape (len(texts), 384), float32, each row L2-normalised."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        out = np.empty((len(texts), DIM), np.float32)
        # Batches of similar length waste less work on padding, as sentence-transformers also does.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            out[rows] = self._embed_batch([texts[i] for i in rows])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], np.int64)
        mask = np.array([e.attention_mask for e in encodings], np.int64)
        types = np.array([e.type_ids for e in encodings], np.int64)
        (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return _normalize(_mean_pool(hidden, mask))


def _check_model_dir(model_dir: Path) -> int:
    """The directory's max token count; raises ModelUnavailable, saying how to build it, when files are missing."""
    missing = [name for name in ("model.onnx", "tokenizer.json") if not (model_dir / name).is_file()]
    if missing:
        raise ModelUnavailable(
            f"sentence embedder not found in {model_dir} (missing {', '.join(missing)}); {_FIX.format(dir=model_dir)}"
        )
    try:
        manifest = json.loads((model_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return MAX_TOKENS
    return int(manifest.get("max_tokens", MAX_TOKENS))


def _tokenizer(path: Path, max_tokens: int) -> Tokenizer:
    tokenizer = Tokenizer.from_file(str(path))
    # tokenizer.json ships fixed 128-token padding and truncation; sentence-transformers pads to the longest
    # text in the batch and cuts at max_seq_length instead.
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.enable_padding(pad_id=0, pad_type_id=0, pad_token="[PAD]")
    return tokenizer


def _session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for corrupt or truncated files
        raise ModelUnavailable(f"cannot load {path}: {exc}; {_FIX.format(dir=path.parent)}") from exc


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    return (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)


def _normalize(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
