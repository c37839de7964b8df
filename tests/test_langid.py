from pathlib import Path

import pytest

from pipeline.config import DetectConfig
from pipeline.langid import LanguageDetector, detect_paragraph_languages, document_language, unknown_languages
from pipeline.langid.rules import fewest_ruled_out, function_word_votes, ruled_out, word_frequency_scores
from pipeline.langid.stage import script_votes
from pipeline.schema import Document, Paragraph

DETECTOR = LanguageDetector(["ru", "th", "en", "be", "uk", "de"], seed=0, min_score=0.6)


def test_thai_script_is_thai() -> None:
    assert DETECTOR.detect("ภรรยาของทหารรัสเซียเรียกร้องให้สามีกลับบ้าน") == ("th", 1.0)


def test_russian_english_german() -> None:
    assert DETECTOR.detect("Жёны мобилизованных снова вышли к Кремлю и потребовали вернуть мужей.")[0] == "ru"
    assert DETECTOR.detect("The wives of mobilised men went to the Kremlin again on Saturday.")[0] == "en"
    assert DETECTOR.detect("Die Frauen der mobilisierten Soldaten fordern die Rückkehr ihrer Männer.")[0] == "de"


def test_cyrillic_with_letters_russian_lacks_is_not_russian() -> None:
    assert DETECTOR.detect("Мясцовыя землі былі населены выхадцамі з Албаніі.")[0] == "be"
    assert DETECTOR.detect("Жыве Беларусь!")[0] == "be"
    assert DETECTOR.detect("Дружини мобілізованих вимагають повернути чоловіків додому.")[0] == "uk"
    # Latin "i" typed inside Cyrillic words, as Belarusian sites often do.
    assert DETECTOR.detect("Кампетэнцыя Мiнiстэрства па надзвычайных сiтуацыях")[0] == "be"


def test_russian_quoting_a_ukrainian_name_stays_russian() -> None:
    text = "Российские войска несколько месяцев штурмовали город, который украинцы называют Авдіївка, и понесли большие потери."
    assert DETECTOR.detect(text)[0] == "ru"


def test_no_letters_and_low_confidence_are_undetermined() -> None:
    assert DETECTOR.detect("12:30 — 2023") == ("und", 0.0)
    strict = LanguageDetector(["ru", "be", "en"], min_score=0.99)
    lang, score = strict.detect("Кабак пусты.")  # no "и", could be Belarusian: not sure enough
    assert lang == "und" and score < 0.99


def test_deterministic_across_instances() -> None:
    text = "Die Frauen fordern. The women demand. Женщины требуют."
    results = {LanguageDetector(["ru", "en", "de"], seed=0).detect(text) for _ in range(5)}
    assert len(results) == 1


def test_unconfigured_language_is_not_forced_onto_a_model_language() -> None:
    # With only ru and en configured, Thai text is undetermined rather than "en".
    assert LanguageDetector(["ru", "en"]).detect("ภรรยาของทหารรัสเซีย")[0] == "und"


def test_document_language_is_length_weighted() -> None:
    paragraphs = [Paragraph("x" * 300, "ru", 1.0), Paragraph("y" * 50, "en", 1.0)]
    assert document_language(paragraphs) == ("ru", round(300 / 350, 4))


def test_short_paragraphs_inherit_unless_script_contradicts() -> None:
    document = Document(
        id="1",
        source="s",
        text="",
        paragraphs=[
            Paragraph("Жёны мобилизованных снова вышли к Кремлю и потребовали вернуть мужей домой."),
            Paragraph("Москва, 12 мая"),
            Paragraph("Reuters"),
            Paragraph("ภาพ"),
        ],
    )
    detect_paragraph_languages(document, DETECTOR, short_chars=40)
    assert document.lang == "ru"
    langs = [p.lang for p in document.paragraphs]
    assert langs[:2] == ["ru", "ru"] and langs[2] != "ru" and langs[3] == "th"


def test_unknown_languages_are_codes_without_profile_or_rule() -> None:
    assert unknown_languages(["ru", "xx", "th", "be", "zh-cn", "yy", "xx"]) == ["xx", "yy"]
    assert unknown_languages(["../__init__.py"]) == ["../__init__.py"]  # a code is never a path


def test_document_language_weighs_paragraphs_by_their_confidence() -> None:
    # More Russian letters, but the detector was barely sure of them: the sure English wins.
    paragraphs = [Paragraph("x" * 300, "ru", 0.3), Paragraph("y" * 200, "en", 1.0)]
    assert document_language(paragraphs) == ("en", round(200 / 500, 4))
    # Two unsure paragraphs do not outvote one sure one of the same length.
    paragraphs = [Paragraph("a" * 100, "de", 0.4), Paragraph("b" * 100, "de", 0.4), Paragraph("c" * 100, "en", 0.9)]
    assert document_language(paragraphs) == ("en", round(90 / 300, 4))
    assert document_language([Paragraph("x" * 100, "ru", 0.8)]) == ("ru", 0.8)  # the score is the share times the confidence
    assert document_language([]) == ("und", 0.0)


DEFAULT = LanguageDetector(DetectConfig().languages, seed=0, min_score=0.6)


def test_issue_misses_with_the_default_languages_are_russian() -> None:
    # No letter of these is Ukrainian-only; "сь" word-finally, "ы" with "и" are not Bulgarian.
    for text in [
        "На третий день я снова пересел на EMicro.",
        "Машина загорелась, и Кенсет отошел от нее.",
        "Следите за обновлениями:)",
        "Упражнение выполните 3 раза по 7 секунд..",
        "Мультиварка Redmond RMC-FM4521.",  # Cyrillic words outvote a Latin brand name
    ]:
        assert DEFAULT.detect(text)[0] == "ru", text


def test_short_english_lines_stay_english_with_the_default_languages() -> None:
    assert DEFAULT.detect("Thanks!")[0] == "en"
    assert DEFAULT.detect("Loser.")[0] == "en"
    assert DEFAULT.detect("Die Frauen fordern.")[0] == "de"  # a German function word settles it


def test_letters_a_language_never_writes_rule_it_out() -> None:
    cyrillic = ["ru", "uk", "be", "bg"]
    assert ruled_out("мы", cyrillic) == {"uk", "bg"}  # ы
    assert ruled_out("день", cyrillic) == {"bg", "be"}  # word-final ь; Belarusian writes "дзень"
    assert ruled_out("съм", cyrillic) == {"ru", "uk", "be"}  # ъ before a consonant is Bulgarian
    assert ruled_out("свобода", ["ru", "be"]) == {"be"}  # Belarusian: one "о" a word ("свабода")
    assert ruled_out("голосування", cyrillic) >= {"ru", "bg"}


def test_function_words_settle_short_lines() -> None:
    assert function_word_votes("това е добре", ["ru", "uk", "bg"]) == {"bg": 2}
    assert DEFAULT.detect("Това е добре.")[0] == "bg"
    assert DEFAULT.detect("Дякую, колеги.")[0] == "uk"
    assert DEFAULT.detect("Будь ласка, прошу голосувати.")[0] == "uk"
    # A word both languages write ("тут") counts for neither.
    assert function_word_votes("тут", ["ru", "uk"]) == {}


def test_an_address_does_not_vote() -> None:
    assert DEFAULT.detect("Подробнее: https://example.com/some/long/english/path/with/words")[0] == "ru"


def test_markup_tags_do_not_vote() -> None:
    # Left in social-media exports; the tag names are Latin in any language.
    assert DEFAULT.detect("<strong>Мінск.</strong>")[0] == "uk"
    assert DEFAULT.detect('<a href="/news/1"><strong>Москва:</strong> жёны вышли</a>')[0] == "ru"
    assert DEFAULT.detect("<b>Кабак</b>")[0] != "en"
    # Angle brackets around spaced words are not a tag.
    assert DEFAULT.detect("if x < y and y > z then x is smaller than z")[0] == "en"


def test_ukrainian_and_belarusian_apart_without_и() -> None:
    assert DEFAULT.detect("Двосторонній товарообіг більше 8,5 мільярда доларів.")[0] == "uk"
    assert DEFAULT.detect("Жахлівая навіна.")[0] == "be"


def test_latin_names_do_not_outvote_cyrillic_words_nor_a_cyrillic_name_english_ones() -> None:
    assert script_votes("Мультиварка Redmond RMC-FM4521.") == {"thai": 0, "cyrillic": 11, "latin": 6.0}
    assert DEFAULT.detect("Wives of «Путь домой» protest.")[0] == "en"
    assert DEFAULT.detect("The movement «Путь домой» held a rally.")[0] == "en"


def test_word_vote_settles_short_lines_the_letters_leave_open() -> None:
    # No letter rules Russian out of these; their words are far commoner in one language.
    assert DEFAULT.detect("Вибачте.")[0] == "uk"
    assert DEFAULT.detect("Оголошую перерву на 30 хвилин.")[0] == "uk"
    assert DEFAULT.detect("Никой.")[0] == "bg"
    assert DEFAULT.detect("Предпочитам да не хабя много вода, за да не плащам много.")[0] == "bg"
    # Words every one of them writes alike: Russian, the pipeline's own language.
    assert DEFAULT.detect("Не знаю, что сказать.")[0] == "ru"


def test_word_frequency_scores_are_log_likelihoods_of_listed_words() -> None:
    scores = word_frequency_scores("що це", ["ru", "uk", "bg", "en"])
    assert set(scores) == {"ru", "uk", "bg"} and max(scores, key=lambda lang: scores[lang]) == "uk"
    assert word_frequency_scores("кенсет", ["ru", "uk", "bg"]) == {}  # a name no list has does not vote
    assert word_frequency_scores("що", ["ru", "en"]) == {}  # one language of the vote: nothing to compare
    for apostrophe in "'’ʼ":
        scores = word_frequency_scores(f"пам{apostrophe}ять", ["ru", "uk", "bg"])
        assert scores["uk"] - max(scores["ru"], scores["bg"]) > 2


def test_word_vote_rules_out_what_is_ten_times_less_likely_and_keeps_russian_function_words_sure() -> None:
    # "мами" is a Bulgarian verb and a Russian noun form; "плагиатствай" is no Russian word.
    assert DEFAULT.detect("Мами и плагиатствай.")[0] == "bg"
    # Belarusian writes "яна", not "она": no doubt about Belarusian left.
    assert DEFAULT.detect("ОНА") == ("ru", 1.0)
    # Belarusian ж, ш, ч are hard: "ночь" is not Belarusian.
    assert "be" in ruled_out("ночь", ["ru", "be"])


def test_macedonian_letters_and_a_language_outside_the_word_vote() -> None:
    detector = LanguageDetector(["ru", "uk", "bg", "mk"], seed=0)
    # ѓ and ј are neither Russian, Ukrainian nor Bulgarian; the word vote knows no Macedonian,
    # so it never decides while Macedonian is possible.
    assert detector.detect("Тоа е многу добро за сите граѓани на нашата земја.")[0] == "mk"
    assert "mk" not in ruled_out("това", ["bg", "mk"])


def test_a_line_without_evidence_is_undetermined_not_a_guess() -> None:
    # "за" is as common in Russian, Ukrainian and Bulgarian (a vote tally in a transcript).
    assert DEFAULT.detect("За - 237")[0] == "und"


def test_a_v_after_a_vowel_leaves_no_belarusian_doubt() -> None:
    # Belarusian writes "Майкоў", "праўда": a Russian name or word with "в" there is not Belarusian.
    assert DEFAULT.detect("А. Майков") == ("ru", 1.0)
    assert DEFAULT.detect("Правда!") == ("ru", 1.0)
    assert DEFAULT.detect("Так!")[0] == "und"  # Russian and Belarusian alike


def test_mixed_text_is_the_language_most_of_its_words_can_be_in() -> None:
    # Each line has a word every candidate language rules out: the quote does not decide.
    detector = LanguageDetector(DetectConfig().languages, seed=0, min_score=0.6)
    ukrainian_quoting_russian = "Шановні колеги, дозвольте нагадати відомі слова: «Мы все учились понемногу»."
    ukrainian_quoting_belarusian = "Депутат процитував поета: «Дзякуй за дапамогу, сапраўдны сябар», і сів на своє місце."
    russian_quoting_ukrainian = "Журналист спросил министра, что значит его фраза «Слава Україні» в этом контексте."
    assert detector.detect(ukrainian_quoting_russian)[0] == "uk"
    assert detector.detect(ukrainian_quoting_belarusian)[0] == "uk"
    assert detector.detect(russian_quoting_ukrainian)[0] == "ru"
    assert fewest_ruled_out("мы відомі шановні", ["ru", "uk"]) == {"uk"}
    assert fewest_ruled_out("мы відомі", ["ru", "uk"]) == {"ru", "uk"}


# --- the detect command reads files as `run` does (issue 23) -------------------------------------


@pytest.mark.parametrize(
    ("sample", "language"), [("ru/put_domoy_cp1251.txt", "ru"), ("ru/mediazona_utf16.txt", "ru"), ("th/edit_lesum_cp874.txt", "th")]
)
def test_detect_reads_legacy_and_utf16_files_as_run_does(sample: str, language: str) -> None:
    from tests.conftest import RAW
    from tests.test_end_to_end import run_cli

    result = run_cli("detect", str(RAW / sample), "--languages", "RU,Th,en")  # codes in any case
    assert result.returncode == 0 and result.stderr == "", result.stderr
    labels = [line.split("\t", 2) for line in result.stdout.splitlines()]
    assert language in {label[0] for label in labels}
    assert "\ufffd" not in result.stdout


def test_detect_into_a_pipe_that_closes_early_ends_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    lines = tmp_path / "long.txt"  # more than a pipe holds: the writer meets the closed pipe
    lines.write_text(("The wives of mobilised men went to the Kremlin again. " * 10 + "\n") * 400, encoding="utf-8")
    command = f"{sys.executable} -m pipeline detect {lines} --languages ru,en | head -1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.stdout.count("\n") == 1 and result.stderr == "" and result.returncode == 0
