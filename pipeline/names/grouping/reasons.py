"""Why a spelling is in its group: the `reason` column of the name table, shown on the review page.

Each reason is set where the grouping decision is made and travels with it, so a reviewer sees
what to trust or split:
- keys.key_and_reason: the group key of the spelling itself (TRANSLITERATION_KEY,
  GIVEN_NAME_GROUP, LEGAL_FORM, EXONYM_LIST, TERRITORY_NAMES);
- discovery.coreference: a short form joined the one full form of its article (SAME_ARTICLE);
- discovery.acronyms: an acronym its document defined (acronym_defined_in);
- discovery.per_article: a body named without its country kept to its article (BODY_PER_ARTICLE);
- corpus.merge_groups: a group joined another across the corpus (corpus_merge, by rule);
- table.name_table: registered names, by how the registry matched them (registry_reason).
"""

from __future__ import annotations

TRANSLITERATION_KEY = "transliteration key"  # "Andrej Kurotchkin", "Андрей Курочкин"
GIVEN_NAME_GROUP = "given-name group"  # "Sasha Ivanov" under "Aleksandr Ivanov"
LEGAL_FORM = "legal form folded"  # "Apple Inc." as "Apple", "Республика Башкортостан"
EXONYM_LIST = "exonym list"  # "Moskva" is Moscow (pipeline/lang/<code>/exonyms.txt)
TERRITORY_NAMES = "territory names (CLDR)"  # "Germaniya" is Germany (Babel's CLDR names)
SAME_ARTICLE = "same article full form"  # "Трамп" after "Дональд Трамп" in one article
# An acronym its document defined ("Фонд борьбы с коррупцией (ФБК)"): the document filled in
# where the record is made (pipeline.names.stage), as discovery sees only the text.
ACRONYM_DEFINED = "acronym defined in {document}"

# A body named without its country or owner ("Сенат", "МИД", "Supreme Court"): whose it is,
# only its article says, so its group is its article's (pipeline.names.discovery.per_article).
BODY_PER_ARTICLE = "body named without its country: kept per article"
# A surname alone that the corpus gives two or more people (Barack and Michelle Obama): kept to
# its article (pipeline.names.grouping.corpus).
SURNAME_PER_ARTICLE = "surname of several people: kept per article"
# A short form that two full forms of its article fit ("Кастро" beside Fidel and Raúl Castro),
# and one whose person no other article may say (a given name alone; "Назарбаева", a man's
# genitive and a woman's nominative, in an article that says not which): it joins nobody.
SHORT_FORM_OF_TWO = "short form of two people of its article: kept apart"
SHORT_FORM_UNDECIDED = "given name or gender its article does not settle: kept apart"

# The corpus-wide merges of pipeline.names.grouping.corpus, by rule.
PERSON_FITS = "given name and surname fit"  # "Dmitry Dolgopolov", "Dmytro Dolhopolov"
INITIAL_FITS = "initial fits one person"  # "A. Petrov" where one Petrov's name starts with A
SURNAME_ALONE = "surname of one person"  # "Gosman" where the corpus has one Gosman
SPELLING_HABIT = "spellings one habit apart"  # "Edit Lessom", "Edit Lesum"
SOUND_SKELETON = "sound skeleton"  # "Bute Domoy", "Bot Domoy" for "Put' Domoi" (machine translation)
ACRONYM_ELSEWHERE = "acronym defined in another document"
QUOTED_BARE = "the same name out of quotes"  # «Газпром» and Газпром, where no Газпром is a place
CONTRACTION = "contraction of the full name"  # "Госдума" of "Государственная дума"  # "ФБК" alone, defined elsewhere


def in_document(reason: str, document: str) -> str:
    """The reason with its document named (only ACRONYM_DEFINED names one)."""
    return reason.replace("{document}", document)


def corpus_merge(rule: str) -> str:
    return f"corpus merge ({rule})"


def registry_reason(method: str) -> str:
    """A registered name's spelling: by the registry's own lists, or by how it was matched."""
    if method == "exact":
        return "registry canonical"
    if method == "known-variant":
        return "registry variant"
    return f"registry match {method}"
