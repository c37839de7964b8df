"""Russian surnames' gender forms: a registered surname's masculine stem and declension type,
and which genders (or a family) a form of it in text can be: "Цуканова" is his genitive or her
name, "Навальная" only hers, "Навальные" a family.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Readings of a surname form: m / f (singular of that gender) and p (plural: a family, not a
# person). Endings by declension type, after the masculine stem.
_POSSESSIVE = {"": "m", "а": "mf", "у": "mf", "ым": "mp", "е": "m", "ой": "f", "ы": "p", "ых": "p", "ыми": "p"}
_ADJECTIVAL = {
    "ый": "m", "ий": "m", "ой": "mf", "ого": "m", "его": "m", "ому": "m", "ему": "m", "ым": "mp", "им": "mp",
    "ом": "m", "ем": "m", "ая": "f", "яя": "f", "ей": "f", "ую": "f", "юю": "f", "ые": "p", "ие": "p", "ых": "p", "их": "p",
}  # fmt: skip
_CONSONANT = {"": "mf", "а": "m", "у": "m", "ом": "m", "ем": "m", "е": "m", "ы": "p", "и": "p"}


@dataclass(frozen=True)
class Surname:
    """A registered Russian surname: its masculine stem and declension type."""

    stem: str
    kind: str  # possessive (-ов, -ин), adjectival (-ский, -ный), consonant, fixed

    def readings(self, word: str) -> str:
        """The genders this word can be as a form of the surname ('' when it is not one)."""
        word = word.lower().replace("ё", "е")
        if self.kind == "fixed":
            return "mf" if word == self.stem else ""
        if not word.startswith(self.stem):
            return ""
        ending = word[len(self.stem) :]
        table = {"possessive": _POSSESSIVE, "adjectival": _ADJECTIVAL, "consonant": _CONSONANT}[self.kind]
        return table.get(ending, "")


def parse_surname(form: str, gender: str) -> Surname:
    """The masculine stem and type of a registered surname ("Цуканова" of a woman: "цуканов")."""
    word = form.lower().replace("ё", "е")
    if re.search(r"(ко|их|ых|аго|ово|[еиоуыэю])$", word) or (gender == "f" and not re.search(r"(ова|ева|ина|ына|ая|яя)$", word)):
        return Surname(word, "fixed")
    if re.search(r"(ый|ий|ой|ая|яя)$", word):
        return Surname(word[:-2], "adjectival")
    if gender == "f" and re.search(r"(ова|ева|ина|ына)$", word):
        return Surname(word[:-1], "possessive")
    if re.search(r"(ов|ев|ин|ын)$", word):
        return Surname(word, "possessive")
    return Surname(word, "consonant")


# A Russian surname's man's endings, whose woman's form adds -a (Vlasov, Vlasova; Karpin,
# Karpina), and the adjectival ones a woman's form changes (Bobrinsky, Bobrinskaya; Yarovoi, Yarovaya).
_MANS_SURNAME = re.compile(r"(ov|ev|in|yn)$")
_ADJECTIVE_ENDINGS = re.compile(r"(ii|iy|yi|y|oi|oy|i)$|(aia|aya|aja|ai|ya|ia)$")


def man_and_woman(a: str, b: str) -> bool:
    """A man's and a woman's form of one surname, romanized: two people, whatever their given names."""
    shorter, longer = sorted((a, b), key=len)
    if longer == shorter + "a" and _MANS_SURNAME.search(shorter):
        return True
    ends_a, ends_b = _ADJECTIVE_ENDINGS.search(a), _ADJECTIVE_ENDINGS.search(b)
    if not (ends_a and ends_b) or bool(ends_a.group(1)) == bool(ends_b.group(1)):
        return False
    return a[: ends_a.start()] == b[: ends_b.start()]
