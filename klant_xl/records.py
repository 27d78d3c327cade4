"""Typed results that also read as mappings of their Dutch keys.

A result such as the time between purchases or the win-back report is a frozen
dataclass (typed fields, documented, checked by the reader's IDE) *and* a read-only
:class:`~collections.abc.Mapping` of the Dutch keys it is shown and serialised under
(``gaps["mediaan"]``, the JSON of ``klant-xl analyse --json``, the sheet tables). Each
field names its key with :func:`key`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field, fields

__all__ = ["Record", "key"]


def key(dutch: str, **options):
    """A dataclass field read as ``record[dutch]``."""
    return field(metadata={"key": dutch}, **options)


class Record(Mapping):
    """Base of the typed results: subclass it with ``@dataclass(frozen=True, eq=False)``.

    Equality is that of the mapping (a record equals a dict with the same keys and values).

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True, eq=False)
    ... class Pair(Record):
    ...     first: int = key("eerste")
    ...     second: int = key("tweede")
    >>> pair = Pair(1, 2)
    >>> pair["eerste"], pair.second, dict(pair), pair == {"eerste": 1, "tweede": 2}
    (1, 2, {'eerste': 1, 'tweede': 2}, True)
    """

    def _fields_by_key(self) -> dict[str, str]:
        return {f.metadata.get("key", f.name): f.name for f in fields(self)}

    def __getitem__(self, name: str):
        try:
            return getattr(self, self._fields_by_key()[name])
        except KeyError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields_by_key())

    def __len__(self) -> int:
        return len(fields(self))
