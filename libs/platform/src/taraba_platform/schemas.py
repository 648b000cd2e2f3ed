"""Building blocks of request bodies.

`RequestModel` refuses unknown fields. `Text` is a string PostgreSQL can store: a NUL
character is refused with a 422 naming the field, instead of failing the insert.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


def _storable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_storable)]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
