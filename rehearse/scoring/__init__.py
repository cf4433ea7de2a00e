"""The scoring core: features of a spoken answer, rubric-driven scores per dimension, and the answer's score document."""

from rehearse.scoring.features import extract_features
from rehearse.scoring.rubric import Rubric, load_rubric
from rehearse.scoring.score import build_answer_score, score_answer

__all__ = ["Rubric", "build_answer_score", "extract_features", "load_rubric", "score_answer"]
