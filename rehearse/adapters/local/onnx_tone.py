"""The ToneModel port on onnxruntime: a logistic regression over MiniLM embeddings and a few lexical rates.

The classifier is trained by training/tone/train.py on authored interview utterances (text only) and shipped as
rehearse/data/models/tone.onnx with tone.json beside it. The training data has no audio, so prosody is not a
model input: when the answer's prosody is known, a small fixed rule (`prosody_shift`) nudges the text's
probabilities; see docs/models.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import onnxruntime as ort

from rehearse.domain.analysis_model import Prosody, ToneEstimate
from rehearse.domain.errors import ModelUnavailable
from rehearse.ports import Embedder

MODEL_NAME = "tone-logreg-minilm v1"
DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "models" / "tone.onnx"
EMBEDDING_DIM = 384
_RETRAIN = "retrain it with `python training/tone/train.py` (see docs/models.md)"

# Lexical rates, each counted per 10 words. Deliberately short, readable lists: the embedding carries most of the
# signal; these make the cues that matter most for interview tone explicit and robust to unusual phrasing.
_HEDGES = re.compile(
    r"\b(i think|i guess|i suppose|i'm guessing|maybe|probably|possibly|perhaps|sort of|kind of|not sure|"
    r"i don't know|don't really know|not really|not totally|might|i'd hope|hopefully|somewhat|more or less|"
    r"can't remember|can't recall|it depends|hard to say)\b"
)
_FILLERS = re.compile(r"\b(um+|uh+|erm|er|hmm+|ah)\b|, like,|\byou know\b|\bi mean\b|\.\.\.|\u2026")
_COMPLAINTS = re.compile(
    r"\b(never|nobody|no one|nothing|terrible|awful|horrible|disaster|nightmare|mess|hated?|impossible|blamed?|"
    r"fault|pointless|useless|waste[d]?|ignored|refused|unfair|toxic|incompetent|garbage|junk|broken|doomed|"
    r"hopeless|miserable|frustrating|infuriating|demoralising|demoralizing|burn(?:ed|t) out|gave up|didn't care|"
    r"stuck|ridiculous|unrealistic|complain(?:ed|ts?)?|dysfunctional|unbearable)\b"
)
# "I" immediately followed by an action verb: hedged forms ("I kind of fixed", "I'd probably call") do not match.
_OWNED_ACTIONS = re.compile(
    r"\bi(?:'ve|'d| have| will| would)? (led|lead|built|build|designed|owned|own|drove|drive|shipped|ship|cut|"
    r"reduced|launched|delivered|created|wrote|ran|run|fixed|closed|grew|introduced|set|made|took|negotiated|"
    r"managed|decided|caught|automated|hired|promoted|trained|saved|turned|rebuilt|opened|won|exceeded|defined|"
    r"presented|handled|handle|resolved|restructured|migrated|profiled|mentored|coached|know|measure|start|"
    r"address|call|prioriti[sz]e|bring|delegate|speak|learned|volunteered|pushed)\b"
)
_WORDS = re.compile(r"[a-z0-9']+")
LEXICAL_FEATURES = ("hedges_per_10_words", "fillers_per_10_words", "complaints_per_10_words", "owned_actions_per_10_words")
FEATURES = (f"minilm_embedding[{EMBEDDING_DIM}]", *LEXICAL_FEATURES)


def lexical_rates(text: str) -> np.ndarray:
    """Hedges, fillers, complaint words and first-person action verbs, each per 10 words (float32, shape (4,))."""
    lowered = text.lower().replace("\u2019", "'")
    words = max(1, len(_WORDS.findall(lowered)))
    counts = [len(pattern.findall(lowered)) for pattern in (_HEDGES, _FILLERS, _COMPLAINTS, _OWNED_ACTIONS)]
    return np.array(counts, np.float32) * (10.0 / words)


def tone_features(texts: list[str], embedder: Embedder) -> np.ndarray:
    """The classifier's input rows: the MiniLM embedding followed by the lexical rates (float32, (n, 388))."""
    lexical = np.array([lexical_rates(t) for t in texts], np.float32).reshape(len(texts), len(LEXICAL_FEATURES))
    return np.hstack([embedder.embed(texts), lexical]).astype(np.float32)


def prosody_shift(prosody: Prosody) -> dict[str, float]:
    """Log-probability nudges from delivery; a fixed rule, not learned (the training data has no audio).

    Flat pitch (variation under ~0.12, fully flat at 0.06), more so when quiet (mean energy under -25 dBFS, fully at
    -40), is evidence of hesitancy. Lively pitch (variation above 0.12, fully at 0.22) with steady loudness (energy
    std under 12 dB, fully at 6) is evidence of confidence. The largest nudge multiplies a probability by e^0.8 ~ 2.2
    before renormalising, so clear wording still wins over delivery.
    """
    flatness = _ramp(0.12 - prosody.pitch_variation, 0.06)
    quietness = _ramp(-25.0 - prosody.energy_db_mean, 15.0)
    liveliness = _ramp(prosody.pitch_variation - 0.12, 0.10)
    steadiness = _ramp(12.0 - prosody.energy_db_std, 6.0)
    hesitant = flatness * (0.5 + 0.5 * quietness)
    confident = liveliness * steadiness
    return {"hesitant": 0.8 * hesitant - 0.4 * confident, "confident": 0.6 * confident - 0.5 * hesitant}


class OnnxToneModel:
    """Classifies an utterance as confident / neutral / hesitant / negative; thread-safe."""

    def __init__(self, embedder: Embedder, model_path: Path = DEFAULT_MODEL_PATH) -> None:
        self._embedder = embedder
        self._labels = _check_metadata(Path(model_path))
        self._session = _session(Path(model_path))

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    def classify(self, text: str, prosody: Prosody | None = None) -> ToneEstimate:
        (probabilities,) = self._session.run(["probabilities"], {"features": tone_features([text], self._embedder)})
        return self._estimate(probabilities[0].astype(np.float64), prosody)

    def classify_sentences(self, sentences: list[str], embeddings: np.ndarray, prosody: Prosody | None = None) -> ToneEstimate:
        """A whole answer from its sentences' embeddings (already computed for coverage): each sentence is
        classified, as the model was trained on single utterances, and the probabilities are averaged by length."""
        lexical = np.array([lexical_rates(t) for t in sentences], np.float32).reshape(len(sentences), len(LEXICAL_FEATURES))
        features = np.hstack([np.asarray(embeddings, np.float32), lexical]).astype(np.float32)
        (probabilities,) = self._session.run(["probabilities"], {"features": features})
        weights = np.array([max(1, len(t.split())) for t in sentences], np.float64)
        return self._estimate((probabilities.astype(np.float64) * weights[:, None]).sum(axis=0) / weights.sum(), prosody)

    def _estimate(self, probs: np.ndarray, prosody: Prosody | None) -> ToneEstimate:
        if prosody is not None:
            shift = prosody_shift(prosody)
            probs = probs * np.exp([shift.get(label, 0.0) for label in self._labels])
        probs = probs / probs.sum()
        return ToneEstimate(
            label=self._labels[int(probs.argmax())],
            probabilities={label: float(p) for label, p in zip(self._labels, probs, strict=True)},
            used_prosody=prosody is not None,
            model=MODEL_NAME,
        )


def _ramp(value: float, full_at: float) -> float:
    """0 at or below 0, rising linearly to 1 at full_at: graded evidence instead of a cliff at a threshold."""
    return float(min(1.0, max(0.0, value / full_at)))


def _check_metadata(model_path: Path) -> tuple[str, ...]:
    """The label order from tone.json; refuses a model trained on other features than this module computes."""
    meta_path = model_path.with_suffix(".json")
    try:
        meta = json.loads(meta_path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"tone model metadata {meta_path} is missing or unreadable ({exc}); {_RETRAIN}") from exc
    if tuple(meta.get("features", ())) != FEATURES:
        raise ModelUnavailable(
            f"{model_path} was trained on features {meta.get('features')}, this code computes {FEATURES}; {_RETRAIN}"
        )
    return tuple(meta["labels"])


def _session(model_path: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # a 388 x 4 matrix product: threads would only add overhead
    options.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors for missing or corrupt files
        raise ModelUnavailable(f"cannot load the tone model {model_path}: {exc}; {_RETRAIN}") from exc
