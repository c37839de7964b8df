"""Translation: segmentation, batching, the cache, names through translation, errors, CTranslate2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.config import TranslateConfig
from pipeline.names import load_registry
from pipeline.schema import Document, Paragraph
from pipeline.translation import Translate, batches_by_tokens
from pipeline.translation.backends import ModelLoadError, TransformersBackend, load_backend, model_key
from pipeline.translation.cache import TranslationCache
from pipeline.translation.segment import split_long, split_sentences, split_thai_sentences
from tests.conftest import REGISTRY


def texts(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[start:end] for start, end in spans]


def test_russian_sentences_know_abbreviations_initials_and_quotes() -> None:
    text = "Об этом сообщил В. В. Путин. Он сказал: «Хватит.» Потом ушёл! Т.е. ничего? Было 5 млн. руб. и т.д. «Мы не враги», — сказала она. Музей Я.Коласа открыт."
    assert texts(text, split_sentences(text, "ru")) == [
        "Об этом сообщил В. В. Путин.",
        "Он сказал: «Хватит.»",
        "Потом ушёл!",
        "Т.е. ничего?",
        "Было 5 млн. руб. и т.д. «Мы не враги», — сказала она.",
        "Музей Я.Коласа открыт.",
    ]


def test_thai_sentences_with_the_offline_crf_model() -> None:
    text = "ภรรยาทหารรัสเซียเรียกร้องให้สามีกลับบ้าน กลุ่มจะยังคงวางดอกไม้ที่กรุงมอสโกทุกวันเสาร์ ประธานาธิบดียังไม่ได้พบกับกลุ่มผู้หญิงเหล่านี้"
    spans = split_thai_sentences(text)
    assert texts(text, spans) == [
        "ภรรยาทหารรัสเซียเรียกร้องให้สามีกลับบ้าน",
        "กลุ่มจะยังคงวางดอกไม้ที่กรุงมอสโกทุกวันเสาร์ ประธานาธิบดียังไม่ได้พบกับกลุ่มผู้หญิงเหล่านี้",
    ]
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(text[end:start] == " " for (_, end), (start, _) in zip(spans, spans[1:]))  # only the space between is left out


def test_no_boundary_inside_a_protected_name() -> None:
    text = "Он видел Я. Коласа. Новая фраза."
    assert texts(text, split_sentences(text, "ru", [(9, 18)])) == ["Он видел Я. Коласа.", "Новая фраза."]
    assert texts(text, split_sentences(text, "ru", [(12, 24)])) == ["Он видел Я. Коласа. Новая фраза."]


def test_long_sentences_are_split_never_truncated() -> None:
    sentence = "один, два три четыре; пять шесть, семь восемь девять десять одиннадцать"
    pieces = split_long(sentence, lambda s: len(s.split()), 3)
    assert all(len(p.split()) <= 3 for p in pieces)
    assert " ".join(pieces).split() == sentence.split()


def test_batches_respect_the_token_budget_and_cover_every_sentence() -> None:
    lengths = [5, 50, 7, 30, 3, 12, 40, 8]
    batches = batches_by_tokens(lengths, budget=60)
    assert batches == [[4, 0, 2, 7, 5], [3], [6], [1]]  # 3 5 7 8 12 (12 x 5 = 60), then 30, 40, 50 alone
    assert sorted(i for batch in batches for i in batch) == list(range(len(lengths)))
    for batch in batches:
        assert max(lengths[i] for i in batch) * len(batch) <= 60 or len(batch) == 1
    assert batches_by_tokens([70, 2], budget=60) == [[1], [0]]  # one over the budget still goes, alone
    assert batches_by_tokens([], budget=60) == []
    flat = [lengths[i] for batch in batches for i in batch]
    assert flat == sorted(flat)  # shortest first: little padding


class FakeBackend:
    """Stands in for a model where the test is about the stage, not the weights."""

    def __init__(self, model_key: str = "fake@main", max_source_tokens: int = 50, drop: str | None = None) -> None:
        self.model_key = model_key
        self.max_source_tokens = max_source_tokens
        self.drop = drop
        self.batches: list[list[str]] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def translate(self, sentences: list[str]) -> list[str]:
        self.batches.append(list(sentences))
        outputs = [f"<{s}>" for s in sentences]
        return [o.replace(self.drop, "") if self.drop else o for o in outputs]


def _document(doc_id: str, *paragraphs: tuple[str, str]) -> Document:
    return Document(id=doc_id, source=doc_id, text="", paragraphs=[Paragraph(text, lang, 1.0) for text, lang in paragraphs])


def _stage(tmp_path: Path, backend: FakeBackend, batch_tokens: int = 4096) -> Translate:
    config = TranslateConfig(cache=tmp_path / "cache.sqlite", batch_tokens=batch_tokens, batch_documents=10)
    return Translate(config, {"ru": backend}, load_registry(REGISTRY), TranslationCache(config.cache))


def test_order_is_restored_after_sorted_batches(tmp_path: Path) -> None:
    backend = FakeBackend()
    stage = _stage(tmp_path, backend, batch_tokens=8)
    documents = [
        _document("a", ("Очень длинное первое предложение из многих слов здесь.", "ru"), ("English stays.", "en")),
        _document("b", ("Короткое.", "ru"), ("Второе предложение. Третье!", "ru")),
    ]
    out = list(stage.run(documents))
    assert out[0].paragraphs[0].text_en == "<Очень длинное первое предложение из многих слов здесь.>"
    assert out[0].paragraphs[1].text_en == "English stays."
    assert out[1].paragraphs[1].text_en == "<Второе предложение.> <Третье!>"
    assert out[1].text_en == "<Короткое.>\n\n<Второе предложение.> <Третье!>"
    # Shortest first under 8 tokens (words here): 1 + 1 + 2 words fit (2 x 3 = 6), the 8-word one goes alone.
    assert backend.batches == [["Короткое.", "Третье!", "Второе предложение."], ["Очень длинное первое предложение из многих слов здесь."]]
    assert out[0].translation_model == "fake@main" and stage.counters["model_calls"] == len(backend.batches)


def test_rerun_hits_the_cache_and_never_calls_the_model(tmp_path: Path) -> None:
    documents = lambda: [_document("a", ("Жёны вышли к Кремлю. Они ждут мужей.", "ru"))]  # noqa: E731
    first = FakeBackend()
    cold = list(_stage(tmp_path, first).run(documents()))
    assert first.batches
    second = FakeBackend()
    stage = _stage(tmp_path, second)
    warm = list(stage.run(documents()))
    assert second.batches == []
    assert stage.counters["cache_hits"] == stage.counters["sentences"] == 2
    assert warm[0].text_en == cold[0].text_en


def test_cache_key_includes_model_and_settings(tmp_path: Path) -> None:
    list(_stage(tmp_path, FakeBackend("model-a@main")).run([_document("a", ("Жёны вышли.", "ru"))]))
    other = FakeBackend("model-b@main")
    list(_stage(tmp_path, other).run([_document("a", ("Жёны вышли.", "ru"))]))
    assert other.batches == [["Жёны вышли."]]


def test_native_names_become_canonical_before_translation(tmp_path: Path) -> None:
    backend = FakeBackend()
    out = list(_stage(tmp_path, backend).run([_document("a", ("Участницы «Пути домой» и Совета матерей и жён пришли.", "ru"))]))
    assert backend.batches == [["Участницы «Put' Domoi» и Council of Mothers and Wives пришли."]]
    assert "Put' Domoi" in out[0].text_en and "Council of Mothers and Wives" in out[0].text_en


def test_a_name_the_model_drops_is_restored_by_translating_around_it(tmp_path: Path) -> None:
    backend = FakeBackend(drop="Put' Domoi")
    stage = _stage(tmp_path, backend)
    out = list(stage.run([_document("a", ("Участницы движения «Путь домой» принесли цветы.", "ru"))]))
    assert "Put' Domoi" in out[0].text_en
    assert out[0].text_en == "<Участницы движения> Put' Domoi <принесли цветы.>"
    assert stage.counters["names_restored_by_split"] == 1


def test_paragraphs_without_a_model_stay_untranslated_and_are_counted(tmp_path: Path) -> None:
    stage = _stage(tmp_path, FakeBackend())
    out = list(stage.run([_document("a", ("Die Frauen fordern die Rückkehr.", "de"), ("English.", "en"))]))
    assert out[0].paragraphs[0].text_en == "" and out[0].text_en == "English."
    assert stage.counters["untranslated.de"] == 1


def test_paragraphs_with_nothing_to_translate_are_kept_as_they_are(tmp_path: Path) -> None:
    # A link, a time or a tagged link has no word for a model: kept in text_en whatever its label.
    backend = FakeBackend()
    stage = _stage(tmp_path, backend)
    link = '<a href="https://t.me/putdomoi">https://t.me/putdomoi</a>'
    document = _document("a", ("Жёны вышли к Кремлю.", "ru"), (link, "und"), ("12:30 — 2023", "ru"), ("https://example.org/a", "ru"))
    out = list(stage.run([document]))
    assert [p.text_en for p in out[0].paragraphs[1:]] == [link, "12:30 — 2023", "https://example.org/a"]
    assert backend.batches == [["Жёны вышли к Кремлю."]]
    assert "untranslated.und" not in stage.counters


def test_sentences_over_the_model_limit_are_split_not_truncated(tmp_path: Path) -> None:
    backend = FakeBackend(max_source_tokens=4)
    out = list(_stage(tmp_path, backend).run([_document("a", ("раз два три четыре пять шесть семь восемь девять.", "ru"))]))
    sentence = "раз два три четыре пять шесть семь восемь девять."
    sent = [s for batch in backend.batches for s in batch]
    assert all(len(s.split()) <= 4 for s in sent)
    assert sorted(" ".join(sent).split()) == sorted(sentence.split())
    pieces = split_long(sentence, backend.count_tokens, 4)
    assert out[0].text_en == " ".join(f"<{piece}>" for piece in pieces)  # rejoined in order


def test_tiny_model_keeps_every_registry_name(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    config = TranslateConfig(
        cache=tmp_path / "c.sqlite",
        device="cpu",
        max_new_tokens=8,
        models={"ru": {"model": str(tiny_models["ru"])}, "th": {"model": str(tiny_models["th"])}},
    )
    stage = Translate.from_config(config, load_registry(REGISTRY))
    documents = [
        _document("ru", ("Ольга Кац вела канал «Вернём ребят» в Новосибирске. Потом Григорий Свердлин ответил.", "ru")),
        _document("th", ("องค์กรอีดิเต เลซอม ซึ่งก่อตั้งโดยกริกอรี สแวร์ดลิน ระบุว่า", "th")),
    ]
    out = list(stage.run(documents))
    for name in ("Olga Katz", "Vernyom Rebyat", "Novosibirsk", "Grigory Sverdlin"):
        assert name in out[0].text_en
    for name in ("Idite Lesom", "Grigory Sverdlin"):
        assert name in out[1].text_en
    assert out[0].translation_model.startswith(f"{tiny_models['ru']}@local-")


def test_model_key_names_hub_revisions_and_fingerprints_local_folders(tmp_path: Path) -> None:
    assert model_key("Helsinki-NLP/opus-mt-ru-en", None) == "Helsinki-NLP/opus-mt-ru-en@main"
    assert model_key("Helsinki-NLP/opus-mt-ru-en", "abc123") == "Helsinki-NLP/opus-mt-ru-en@abc123"
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"d_model": 16}')
    first = model_key(str(folder), None)
    assert first.startswith(f"{folder}@local-") and model_key(str(folder), None) == first
    (folder / "config.json").write_text('{"d_model": 32}')  # another model copied to the same path
    assert model_key(str(folder), None) != first


def test_wrong_architecture_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-translation-model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "vocab_size": 10, "hidden_size": 8}))
    with pytest.raises(ModelLoadError, match=r"translate\.models\.ru: cannot load folder .*not-a-translation-model"):
        load_backend("transformers", "ru", model=str(folder), revision=None, device="cpu", num_beams=1, max_new_tokens=4)


def test_ctranslate2_gives_the_same_greedy_tokens(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    pytest.importorskip("ctranslate2")
    from pipeline.translation.backends import CTranslate2Backend

    steps = 10
    reference = TransformersBackend("ru", str(tiny_models["ru"]), None, "cpu", 1, steps)
    fast = CTranslate2Backend("ru", str(tiny_models["ru"]), None, "cpu", 1, steps - 1, compute_type="float32", convert_dir=tmp_path)
    sentences = ["Жёны мобилизованных вышли к Кремлю.", "Совет матерей и жён закрылся."]
    inputs = reference.tokenizer(sentences, return_tensors="pt", padding=True)
    generated = reference.model.generate(**inputs, max_new_tokens=steps, num_beams=1)
    pad, eos = reference.model.config.pad_token_id, reference.model.config.eos_token_id
    expected = [[t for t in row.tolist()[1:] if t not in (pad, eos)] for row in generated]
    source = [reference.tokenizer.convert_ids_to_tokens(ids) for ids in reference.tokenizer(sentences)["input_ids"]]
    results = fast.translator.translate_batch(source, beam_size=1, max_decoding_length=steps - 1)
    got = [reference.tokenizer.convert_tokens_to_ids(r.hypotheses[0]) for r in results]
    assert got == expected
    assert fast.translate(sentences) == reference.tokenizer.batch_decode(generated, skip_special_tokens=True)
    # The conversion is kept for the next run, in a folder named after the model and its precision.
    folder = tmp_path / re.sub(r"[^A-Za-z0-9._-]+", "_", f"{fast.model_key}-float32").strip("_")
    assert list(tmp_path.iterdir()) == [folder]
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "shared_vocabulary.json"]
    converted = (folder / "model.bin").stat().st_mtime_ns
    again = CTranslate2Backend("ru", str(tiny_models["ru"]), None, "cpu", 1, steps - 1, compute_type="float32", convert_dir=tmp_path)
    assert (folder / "model.bin").stat().st_mtime_ns == converted and list(tmp_path.iterdir()) == [folder]  # not converted again
    assert again.translate(sentences) == fast.translate(sentences)


def test_a_driver_that_only_checks_models_refuses_the_same_bad_models(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    good = TranslateConfig(cache=None, models={"ru": {"model": str(tiny_models["ru"])}})
    checked = Translate.from_config(good, load_models=False)
    assert checked.backends == {} and checked.model_ids()["ru"].startswith(f"{tiny_models['ru']}@local-")
    folder = tmp_path / "bert"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "vocab_size": 10, "hidden_size": 8}))
    for model, reason in ((str(folder), "not an encoder-decoder"), (str(tmp_path / "missing"), "no such folder")):
        with pytest.raises(ModelLoadError, match=reason):
            Translate.from_config(TranslateConfig(cache=None, models={"ru": {"model": model}}), load_models=False)


def test_tiny_models_carry_the_marker_that_tells_them_apart(tmp_path: Path, tiny_models: dict[str, Path]) -> None:
    from pipeline.translation.tiny_models import MARKER_FILE, is_tiny_model

    assert all(is_tiny_model(str(folder)) for folder in tiny_models.values())
    copy = tmp_path / "real-looking"
    copy.mkdir()
    for path in tiny_models["ru"].iterdir():
        if path.name != MARKER_FILE:
            (copy / path.name).write_bytes(path.read_bytes())
    assert not is_tiny_model(str(copy)) and not is_tiny_model("Helsinki-NLP/opus-mt-ru-en")


NLLB_SENTENCES = ["Жёны мобилизованных вышли к Кремлю.", "Совет матерей и жён закрылся."]


def test_tiny_nllb_tokenizer_carries_the_language_codes(tiny_nllb: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_nllb)
    codes = tokenizer.convert_tokens_to_ids(["rus_Cyrl", "tha_Thai", "eng_Latn"])
    assert tokenizer.unk_token_id not in codes and len(set(codes)) == 3
    tokenizer.src_lang = "tha_Thai"
    assert tokenizer.convert_ids_to_tokens(tokenizer("ภรรยาทหาร")["input_ids"])[0] == "tha_Thai"


def test_nllb_transformers_backend_forces_the_target_code_first(tiny_nllb: Path) -> None:
    backend = TransformersBackend("ru", str(tiny_nllb), None, "cpu", 1, 6, src_lang="rus_Cyrl", tgt_lang="eng_Latn")
    inputs = backend.tokenizer(NLLB_SENTENCES, return_tensors="pt", padding=True)
    assert backend.tokenizer.convert_ids_to_tokens(inputs["input_ids"][0].tolist())[0] == "rus_Cyrl"
    generated = backend.model.generate(**inputs, max_new_tokens=6, num_beams=1, **backend.generate_kwargs)
    english = backend.tokenizer.convert_tokens_to_ids("eng_Latn")
    # </s> starts decoding, then the forced target code; decoding strips it from the text.
    assert generated[:, 1].tolist() == [english, english]
    outputs = backend.translate(NLLB_SENTENCES)
    assert outputs == [text.strip() for text in backend.tokenizer.batch_decode(generated, skip_special_tokens=True)]
    assert not any("eng_Latn" in text or "rus_Cyrl" in text for text in outputs)
    thai = TransformersBackend("ru", str(tiny_nllb), None, "cpu", 1, 6, src_lang="rus_Cyrl", tgt_lang="tha_Thai")
    forced = thai.model.generate(**inputs, max_new_tokens=6, num_beams=1, **thai.generate_kwargs)
    assert forced[:, 1].tolist() == [thai.tokenizer.convert_tokens_to_ids("tha_Thai")] * 2


def test_nllb_ctranslate2_backend_uses_the_target_prefix(tmp_path: Path, tiny_nllb: Path) -> None:
    pytest.importorskip("ctranslate2")
    from pipeline.translation.backends import CTranslate2Backend

    reference = TransformersBackend("ru", str(tiny_nllb), None, "cpu", 1, 6, src_lang="rus_Cyrl", tgt_lang="eng_Latn")
    fast = CTranslate2Backend(
        "ru", str(tiny_nllb), None, "cpu", 1, 6, src_lang="rus_Cyrl", tgt_lang="eng_Latn", compute_type="float32", convert_dir=tmp_path
    )
    calls: list[tuple[dict[str, object], list[list[str]]]] = []
    translate_batch = fast.translator.translate_batch

    def recording(source: list[list[str]], **options: object) -> object:
        results = translate_batch(source, **options)
        calls.append((options, [result.hypotheses[0] for result in results]))
        return results

    fast.translator = type("Recording", (), {"translate_batch": staticmethod(recording)})()
    outputs = fast.translate(NLLB_SENTENCES)
    ((options, hypotheses),) = calls
    assert options["target_prefix"] == [["eng_Latn"], ["eng_Latn"]]
    assert all(tokens[0] == "eng_Latn" for tokens in hypotheses)  # before decoding strips it
    assert not any("eng_Latn" in text for text in outputs)
    assert outputs == reference.translate(NLLB_SENTENCES)  # float32: the same greedy tokens


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_an_nllb_model_translates_a_run_end_to_end(tmp_path: Path, tiny_nllb: Path, backend: str) -> None:
    if backend == "ctranslate2":
        pytest.importorskip("ctranslate2")
    from pipeline.config import load_config
    from pipeline.run import run_pipeline
    from tests.conftest import RAW, tiny_config

    raw = tmp_path / "raw"
    raw.mkdir()
    for source in ("ru/idite_lesom.md", "th/bute_domoy.txt", "en/put_domoi_petition.txt"):
        (raw / Path(source).name).write_bytes((RAW / source).read_bytes())
    codes = {"ru": "rus_Cyrl", "th": "tha_Thai"}
    models = {lang: {"model": str(tiny_nllb), "src_lang": code, "tgt_lang": "eng_Latn"} for lang, code in codes.items()}
    config_file = tiny_config(
        tmp_path / "nllb.yaml",
        {},
        input=raw,
        output=tmp_path / "out",
        quiet=True,
        translate={"backend": backend, "ct2_dir": str(tmp_path / "ct2"), "models": models},
    )
    result = run_pipeline(load_config(config_file))
    translate = next(stage for stage in result.stages if stage.name == "translate")
    assert translate.counters["model_calls"] >= 2  # ru and th through the one model
    documents = {row["source"]: row for row in _published(result.output)}
    for source in ("idite_lesom.md", "bute_domoy.txt"):
        assert documents[source]["translation_model"].startswith(f"{tiny_nllb}@local-")
        assert documents[source]["text_en"] and "eng_Latn" not in documents[source]["text_en"]
    assert "Idite Lesom" in documents["idite_lesom.md"]["text_en"]  # names survive the NLLB path too


def _published(folder: Path) -> list[dict[str, object]]:
    import pyarrow.parquet as pq

    return [row for path in sorted((folder / "data").glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


def test_cache_key_includes_the_generation_settings(tmp_path: Path) -> None:
    def run(**settings: int) -> list[list[str]]:
        config = TranslateConfig(cache=tmp_path / "cache.sqlite", **settings)
        backend = FakeBackend()
        stage = Translate(config, {"ru": backend}, load_registry(REGISTRY), TranslationCache(config.cache))
        list(stage.run([_document("a", ("Жёны вышли.", "ru"))]))
        return backend.batches

    assert run() == [["Жёны вышли."]]
    assert run(num_beams=4) == [["Жёны вышли."]]  # another beam size: another translation
    assert run(max_new_tokens=32) == [["Жёны вышли."]]  # another length limit: another translation
    assert run(num_beams=4, max_new_tokens=32) == [["Жёны вышли."]]
    for settings in ({}, {"num_beams": 4}, {"max_new_tokens": 32}, {"num_beams": 4, "max_new_tokens": 32}):
        assert run(**settings) == [], settings  # each of them is cached under its own settings


def test_thai_names_written_without_spaces_are_protected_and_sentences_rejoined(tmp_path: Path) -> None:
    backend = FakeBackend()
    config = TranslateConfig(cache=None)
    stage = Translate(config, {"th": backend}, load_registry(REGISTRY), TranslationCache(None))
    first = "องค์กรอีดิเตเลซอมซึ่งก่อตั้งโดยกริกอรีสแวร์ดลินระบุว่า"  # Thai writes the names without a space
    second = "ภรรยาทหารรัสเซียกลุ่มอีดิเต  เลซอมเรียกร้องให้สามีกลับบ้าน กลุ่มจะยังคงวางดอกไม้ที่กรุงมอสโกทุกวันเสาร์"
    [document] = stage.run([_document("th", (first, "th"), (second, "th"))])
    assert sorted(s for batch in backend.batches for s in batch) == sorted(
        [
            "องค์กรIdite Lesomซึ่งก่อตั้งโดยGrigory Sverdlinระบุว่า",
            "ภรรยาทหารรัสเซียกลุ่มIdite Lesomเรียกร้องให้สามีกลับบ้าน",
            "กลุ่มจะยังคงวางดอกไม้ที่กรุงมอสโกทุกวันเสาร์",
        ]
    )
    assert [p.text_en for p in document.paragraphs] == [
        "<องค์กรIdite Lesomซึ่งก่อตั้งโดยGrigory Sverdlinระบุว่า>",
        "<ภรรยาทหารรัสเซียกลุ่มIdite Lesomเรียกร้องให้สามีกลับบ้าน> <กลุ่มจะยังคงวางดอกไม้ที่กรุงมอสโกทุกวันเสาร์>",
    ]
    assert stage.counters["names_protected"] == 3 and stage.counters["paragraphs_translated.th"] == 2


def test_a_rejected_native_form_is_left_to_the_model() -> None:
    from pipeline.config import TranslateConfig
    from pipeline.names.registry import load_registry
    from pipeline.schema import Paragraph
    from pipeline.translation.cache import TranslationCache
    from pipeline.translation.stage import Translate
    from tests.conftest import REGISTRY

    registry = load_registry(REGISTRY)
    paragraph = Paragraph("Участницы «Пути домой» вышли к Кремлю.", lang="ru")
    protected = Translate(TranslateConfig(), {}, registry, TranslationCache(None))._sentences(paragraph)
    assert "Put' Domoi" in protected[0].inline
    registry.rejected.add(("пути домой", "put-domoi"))
    left = Translate(TranslateConfig(), {}, registry, TranslationCache(None))._sentences(paragraph)
    assert left[0].inline == paragraph.text and left[0].names == []
