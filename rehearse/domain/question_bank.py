"""The question bank: roles and their questions, read from the JSON data files in rehearse/data/questions/."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

from rehearse import DATA_DIR
from rehearse.domain.errors import UnknownRole
from rehearse.domain.model import Question

_DATA = DATA_DIR / "questions"


class Role(BaseModel):
    id: str
    title: str
    description: str = ""
    questions: list[Question] = Field(min_length=1)


class QuestionBank:
    def __init__(self, roles: dict[str, Role]) -> None:
        self._roles = roles

    @classmethod
    def from_folder(cls, folder: Path = _DATA) -> QuestionBank:
        roles = {}
        for path in sorted(folder.glob("*.json")):
            role = Role.model_validate(json.loads(path.read_text(encoding="utf-8")))
            roles[role.id] = role
        if not roles:
            raise FileNotFoundError(f"no question files in {folder}")
        return cls(roles)

    def roles(self) -> list[Role]:
        return list(self._roles.values())

    def role(self, role_id: str) -> Role:
        try:
            return self._roles[role_id]
        except KeyError:
            known = ", ".join(sorted(self._roles))
            raise UnknownRole(f"unknown role {role_id!r}; known roles: {known}") from None

    def questions_for(self, role_id: str, count: int) -> list[Question]:
        chosen = self.role(role_id).questions[:count]
        return [q.model_copy(update={"index": i}) for i, q in enumerate(chosen)]


@cache
def default_bank() -> QuestionBank:
    return QuestionBank.from_folder()
