"""The scoring core: features of a spoken answer, rubric-driven scores per dimension, and the answer's score document."""

from rehearse.feedback.scoring.features import extract_features
from rehearse.feedback.scoring.rubric import Rubric, load_rubric
from rehearse.feedback.scoring.score import build_answer_score, score_answer

__all__ = ["Rubric", "build_answer_score", "extract_features", "load_rubric", "score_answer"]
