"""Registered native forms that open a Russian sentence: sure where they cannot be ordinary words.

Russian news opens sentences with their subject all the time ("Совет матерей и жён прекратил
работу"): such a name is protected through translation. Only a form that could be two everyday
words there ("Путь домой был долгим": the way home was long) stays unsure.
"""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest

from pipeline.names import load_registry
from tests.conftest import REGISTRY, run_in_process, tiny_config

REG = load_registry(REGISTRY)

# Each registered form opening a sentence, and the canonical name it must come out as.
OPENING = {
    "Совет матерей и жён прекратил работу летом.": "Council of Mothers and Wives",  # more than two words
    "Свободная Бурятия собрала деньги на адвокатов.": "Free Buryatia",  # a proper name in it
    "Идите лесом помогли ещё сорока солдатам.": "Idite Lesom",  # "лесом" is no everyday word
    "Гражданин. Армия. Право помогает призывникам.": "Citizen. Army. Law",
    "Вернём ребят провели пикет у мэрии.": "Vernyom Rebyat",
}


def _found(text: str) -> list[tuple[str, str, bool]]:
    return [(text[m.start : m.end], m.entity.id, m.sure) for m in REG.native_matcher.find(text)]


@pytest.mark.parametrize("text", OPENING)
def test_a_name_that_cannot_be_ordinary_words_is_sure_at_a_sentence_start(text: str) -> None:
    found = _found(text)
    assert len(found) == 1 and found[0][2], found
    assert REG.entities[found[0][1]].canonical == OPENING[text]


@pytest.mark.parametrize(
    ("text", "sure"),
    [
        ("Путь домой был долгим.", False),  # a link verb: the way home, most likely
        ("Путь домой оказался долгим.", False),
        ("Путь домой.", False),
        ("Путь домой провёл акцию у Кремля.", True),  # a verb that agrees with it: the group
        ("Путь домой потребовал демобилизации.", True),
        ("Путь домой заявляет о новой акции.", True),
        ("Вчера «Путь домой» провёл акцию.", True),  # in quotes
        ("Вчера Путь домой провёл акцию.", True),  # inside a sentence
    ],
)
def test_put_domoi_at_a_sentence_start_is_unsure_only_where_the_phrase_is_likely(text: str, sure: bool) -> None:
    assert [(entity, is_sure) for _, entity, is_sure in _found(text)] == [("put-domoi", sure)]


def test_names_opening_russian_sentences_come_through_translation_protected(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    raw = tmp_path / "raw" / "ru"
    raw.mkdir(parents=True)
    (raw / "openings.txt").write_text("\n\n".join(OPENING) + "\n", encoding="utf-8")
    config = tiny_config(tmp_path / "run.yaml", tiny_models, name="openings", input=tmp_path / "raw", output=tmp_path / "out", quiet=True)
    result = run_in_process("run", str(config))
    assert result.returncode == 0, result.stderr
    rows = datasets.load_dataset(str(tmp_path / "out" / "openings"), split="train")
    assert len(rows) == 1 and rows[0]["lang"] == "ru"
    text_en = rows[0]["text_en"]
    for canonical in OPENING.values():
        assert canonical in text_en, (canonical, text_en)
