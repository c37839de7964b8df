"""A name in quotes is an organisation's or a work's, never the place its spelling also names.

Russian writes a club, a company or a newspaper in quotes and a place bare: «Милан» the club and
Милан the city, «Бавария» and Бавария, «Челси» and Челси the district. A name NER types an
organisation and the text quotes gets a key of its own ("o milan", proposed id
"new-milan-org"), so one spelling names two entities where the text says it does.

The same organisation is quoted in one article and not in another («Газпром», Газпром): across
the corpus the quoted name joins the bare one of its spelling unless a spelling of that bare
group is typed a place (then the bare group is the place, and the two stay apart).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from pipeline.names.entity import PLACE
from pipeline.names.grouping.reasons import QUOTED_BARE, corpus_merge

# A group key of a name ("n milan"), and that of the same name in quotes ("o milan").
NAME_KEY, QUOTED_KEY = "n ", "o "
# The end of a quoted name's proposed id: "new-milan-org" beside the city's "new-milan".
QUOTED_ID_END = "-org"


def quoted_key(key: str) -> str:
    """The key of a name written in quotes: "n milan" -> "o milan" (a person's stays)."""
    return QUOTED_KEY + key.removeprefix(NAME_KEY) if key.startswith(NAME_KEY) else key


def bare_id(group_id: str) -> str | None:
    """The proposed id of the same spelling out of quotes ("new-milan" of "new-milan-org"), or
    None where `group_id` is no quoted name's (or a unit of one article or one father)."""
    if not group_id.endswith(QUOTED_ID_END) or not group_id[0].isalpha() or not group_id.replace("-", "").isalnum():
        return None
    return group_id.removesuffix(QUOTED_ID_END)


class Typed(Protocol):
    """A spelling of a group, with every type NER gave it in any document."""

    @property
    def kinds(self) -> set[str]: ...


T = TypeVar("T", bound=Typed)


def join_quoted_to_bare(groups: dict[str, list[T]]) -> tuple[dict[str, list[T]], dict[str, str]]:
    """The groups, each quoted name's joined to the bare group of its spelling where no spelling of
    that one was typed a place; and the reason of each group of the two (the name table shows it
    on whichever does not anchor the group)."""
    out = dict(groups)
    joined: dict[str, str] = {}
    for group_id in sorted(groups):
        bare = bare_id(group_id)
        if bare is None or bare not in out or any(PLACE in row.kinds for row in out[bare]):
            continue
        out[bare] = out[bare] + out.pop(group_id)
        joined[group_id] = joined.setdefault(bare, corpus_merge(QUOTED_BARE))
    return out, joined
