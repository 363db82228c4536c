"""`Sequence`: the value of an SQ element, a ``list`` of Datasets that writes through.

Like pydicom's ``Sequence``, changing the list changes the dataset it came from::

    >>> ds.ReferencedImageSequence.append(rs_dicom.Dataset())  # doctest: +SKIP
    >>> len(ds.ReferencedImageSequence)  # doctest: +SKIP

Items are the datasets themselves (shared, not copied): ``item = ds.Seq[0]; item.X = v``
changes ``ds``. The native module makes these objects with ``list.__new__`` and fills them;
every change made through the list's methods is written back with one call to the core.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, SupportsIndex

from rs_dicom import _core

__all__ = ["Sequence"]


class Sequence(list):  # type: ignore[type-arg]
    """A list of the items of one sequence element, bound to its dataset and tag."""

    __slots__ = ("_ds", "_tag")
    _ds: Any
    _tag: int

    def _write(self, change: Any, *args: Any) -> Any:
        """Applies ``list.change(*args)`` to a copy, writes the copy to the dataset (which
        checks it), then to this list: a refused change leaves both as they were."""
        ds = getattr(self, "_ds", None)
        if ds is not None:
            items = list(self)
            change(items, *args)
            _core._set_sequence(ds, self._tag, items)
        return change(self, *args)

    def append(self, item: Any) -> None:
        self._write(list.append, item)

    def extend(self, items: Iterable[Any]) -> None:
        self._write(list.extend, list(items))

    def insert(self, index: SupportsIndex, item: Any) -> None:
        self._write(list.insert, index, item)

    def pop(self, index: SupportsIndex = -1) -> Any:
        return self._write(list.pop, index)

    def remove(self, item: Any) -> None:
        for i, x in enumerate(self):
            if x is item:
                self._write(list.__delitem__, i)
                return
        self._write(list.remove, item)

    def clear(self) -> None:
        self._write(list.clear)

    def reverse(self) -> None:
        self._write(list.reverse)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._write(lambda lst: list.sort(lst, *args, **kwargs))

    def __setitem__(self, index: Any, value: Any) -> None:
        self._write(list.__setitem__, index, value)

    def __delitem__(self, index: Any) -> None:
        self._write(list.__delitem__, index)

    def __iadd__(self, items: Iterable[Any]) -> Sequence:  # type: ignore[override,misc]
        self._write(list.extend, list(items))
        return self

    def __repr__(self) -> str:
        n = len(self)
        return f"<Sequence, {n} item{'s' if n != 1 else ''}>"

    def __copy__(self) -> list[Any]:
        return list(self)

    def __reduce__(self) -> Any:
        return (list, (list(self),))


_core._register_sequence_type(Sequence)
