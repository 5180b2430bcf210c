"""The page shape every list endpoint returns."""

from collections.abc import Callable, Iterable
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None

    @classmethod
    def of(cls, found: tuple[Iterable[Any], str | None], read: Callable[[Any], T]) -> Self:
        """The page of a service's `(rows, next cursor)`, each row read into the item shape."""
        rows, next_cursor = found
        return cls(items=[read(row) for row in rows], next_cursor=next_cursor)
