"""Feedback on scored answers: the deterministic evaluator, the LLM prompt, question summaries and the final report."""
