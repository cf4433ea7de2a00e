"""Follow-up questions: after an answer, whether to ask one probe on its most important gap, and its words.

`decide_follow_up` is the deterministic decision (docs/follow-ups.md); `choose_follow_up` lets an advisor (an LLM)
choose and word it within a time budget, falling back to the decision."""

from rehearse.domain.follow_ups import FollowUp
from rehearse.feedback.follow_up.decision import decide_follow_up
from rehearse.feedback.follow_up.llm import choose_follow_up

__all__ = ["FollowUp", "choose_follow_up", "decide_follow_up"]
