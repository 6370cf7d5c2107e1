"""Token-level data: the download table's entries, the offline folder, the CoNLL-U / IOB2 readers and
their join (elmo_course.course.datasets, elmo_course.registry)."""
import hashlib
import urllib.request
from pathlib import Path

import pytest

from elmo_course import registry
from elmo_course.course import datasets

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

CONLLU = """# sent_id = a-1
# text = I don't know.
1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_
3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
4\tknow\tknow\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No
4.1\tknows\t_\t_\t_\t_\t_\t_\t_\t_
5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

# sent_id = a-2
# text = Visit Paris
1\tVisit\tvisit\tVERB\tVB\t_\t0\troot\t_\t_
2\tParis\tParis\tPROPN\tNNP\t_\t1\tobj\t_\t_

"""

IOB2 = """# sent_id = a-2
# text = Visit Paris
1\tVisit\tO\t-\t-
2\tParis\tB-LOC\t-\tann

# sent_id = a-1
# text = I don't know.
1\tI\tO\t-\t-
2\tdont\tO\t-\t-
3\tknow\tO\t-\t-
4\t.\tO\t-\t-

"""


@pytest.fixture
def files(tmp_path):
    conllu, iob2 = tmp_path / "x.conllu", tmp_path / "x.iob2"
    conllu.write_text(CONLLU, encoding="utf-8")
    iob2.write_text(IOB2, encoding="utf-8")
    return conllu, iob2


def test_conllu_reader_keeps_syntactic_words_only(files):
    sentences = datasets.read_conllu(files[0])
    assert [s.sent_id for s in sentences] == ["a-1", "a-2"]
    assert sentences[0].words == ["I", "do", "n't", "know", "."]  # no "don't" range, no empty node
    assert sentences[0].upos == ["PRON", "AUX", "PART", "VERB", "PUNCT"]
    assert sentences[1].ner is None


def test_iob2_reader_and_join_by_sent_id(files):
    ner = datasets.read_iob2(files[1])
    assert ner["a-2"] == (["Visit", "Paris"], ["O", "B-LOC"])
    joined = datasets.join_ner(datasets.read_conllu(files[0]), ner)
    assert joined[1].ner == ["O", "B-LOC"]
    assert joined[0].ner is None  # the NER file has other words for this sentence


def test_token_splits_are_dev_and_test():
    with pytest.raises(ValueError, match="unknown split 'train'"):
        datasets.load_ud_ewt("train")


def test_download_table_pins_the_token_data():
    for split in ("dev", "test"):
        ud, ner = registry.DOWNLOADS[f"ud-ewt-{split}"], registry.DOWNLOADS[f"uner-ewt-{split}"]
        assert ud.url.endswith(f"/UD_English-EWT/r2.16/en_ewt-ud-{split}.conllu")
        assert ner.url.endswith(f"/en_ewt-ud-{split}.iob2") and "/UNER_English-EWT/" in ner.url
        assert ud.path == f"ud-english-ewt-r2.16/en_ewt-ud-{split}.conllu"
        assert ner.path == f"uner-english-ewt/en_ewt-ud-{split}.iob2"
        assert len(ud.sha256) == len(ner.sha256) == 64


def _fake_entry(monkeypatch, tmp_path, content=b"1\tx\tO\t-\t-\n"):
    entry = registry.Download((tmp_path / "nowhere" / "f.iob2").as_uri(), "fake/f.iob2",
                              hashlib.sha256(content).hexdigest())
    monkeypatch.setitem(registry.DOWNLOADS, "fake", entry)
    monkeypatch.setenv("ELMO_COURSE_CACHE", str(tmp_path / "cache"))
    return entry


def test_offline_folder_is_used_and_checked(monkeypatch, tmp_path):
    content = b"1\tx\tO\t-\t-\n"
    _fake_entry(monkeypatch, tmp_path, content)
    folder = tmp_path / "data"
    (folder / "fake").mkdir(parents=True)
    (folder / "fake" / "f.iob2").write_bytes(content)
    monkeypatch.setenv(registry.DATA_ENV_VAR, str(folder))
    assert registry.local_copy("fake") == folder / "fake" / "f.iob2"
    assert registry.download("fake") == folder / "fake" / "f.iob2"
    (folder / "fake" / "f.iob2").write_bytes(b"changed")
    with pytest.raises(ValueError, match="does not match its sha256"):
        registry.download("fake")


def test_without_network_or_copy_one_error_says_what_to_do(monkeypatch, tmp_path):
    entry = _fake_entry(monkeypatch, tmp_path)
    monkeypatch.delenv(registry.DATA_ENV_VAR, raising=False)

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    assert registry.local_copy("fake") is None
    with pytest.raises(FileNotFoundError) as error:
        registry.download("fake")
    message = str(error.value)
    assert entry.url in message and "fake/f.iob2" in message and registry.DATA_ENV_VAR in message


@pytest.fixture
def shared_data(monkeypatch):
    if not (SHARED_DATA / "ud-english-ewt-r2.16").is_dir():
        pytest.skip(f"the token-level data is not at {SHARED_DATA}")
    monkeypatch.setenv(registry.DATA_ENV_VAR, str(SHARED_DATA))
    return SHARED_DATA


def test_the_shared_copies_are_the_pinned_files(shared_data):
    for name in ("ud-ewt-dev", "ud-ewt-test", "uner-ewt-dev", "uner-ewt-test"):
        assert registry.download(name) == shared_data / registry.DOWNLOADS[name].path


@pytest.mark.parametrize("split, sentences, words, entities", [("dev", 2001, 25147, 966), ("test", 2077, 25094, 1084)])
def test_ewt_splits_and_their_join(shared_data, split, sentences, words, entities):
    tagged = datasets.load_tagged_sentences(split)
    assert len(tagged) == sentences and sum(len(s.words) for s in tagged) == words
    assert all(len(s.upos) == len(s.words) for s in tagged)
    joined = [s for s in tagged if s.ner is not None]
    assert len(joined) == sentences - 3  # the NER file has other words for 3 sentences of each split
    assert all(len(s.ner) == len(s.words) for s in joined)
    assert sum(t.startswith("B-") for s in joined for t in s.ner) == entities
