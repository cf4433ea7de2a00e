"""The coverage and relevance models committed as data are exactly what their labels give (numpy fits are
deterministic): nobody can tune a weight by hand without the labels saying so."""

from __future__ import annotations

import pytest

from eval import train_coverage, train_relevance


@pytest.mark.parametrize("trainer", [train_coverage, train_relevance], ids=["coverage", "relevance"])
def test_the_committed_model_is_a_fresh_fit_of_its_labels(trainer, embedder):
    assert trainer.main(["--check"]) == 0, f"run python -m {trainer.__name__} and commit the model it writes"
