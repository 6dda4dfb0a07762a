"""Committee names as the catalogue gives them, for every place a pack names a committee.

A metric's ``lead_committees`` hold what the catalogue's author wrote: a forum's id ("QSC"),
a committee listed by a forum ("FPC"), or a committee's full name.  A pack never prints the
code where the catalogue names the committee: a code that is a forum's id reads as that
forum's name, and a code that a committee forum lists (the forum that *is* that committee)
reads as that forum's name.  Anything else is printed as written, which is the catalogue's
own name for it.  Nothing here invents or shortens a name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from trustboard.domain import Forum, ForumKind

__all__ = ["committee_names", "name_committees"]


def committee_names(forums: Iterable[Forum]) -> dict[str, str]:
    """Each committee code of the catalogue's forums mapped to the name the catalogue gives it.

    A forum's id maps to its name.  A code in the ``committees`` list of a forum of kind
    ``committee`` maps to that forum's name when that forum is the only committee forum that
    lists it (a Board that lists every committee does not name any of them).  A forum id wins
    over a listed code.
    """
    chosen = list(forums)
    listed: dict[str, list[Forum]] = {}
    for forum in chosen:
        if forum.kind is not ForumKind.COMMITTEE:
            continue
        for code in forum.committees:
            listed.setdefault(code, []).append(forum)
    names = {code: owners[0].name for code, owners in listed.items() if len(owners) == 1}
    names.update({forum.id: forum.name for forum in chosen})
    return names


def name_committees(codes: Sequence[str], names: Mapping[str, str]) -> tuple[str, ...]:
    """The committees' names, in the catalogue's order, each once."""
    out: list[str] = []
    for code in codes:
        name = names.get(code, code)
        if name not in out:
            out.append(name)
    return tuple(out)
