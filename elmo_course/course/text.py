"""The course tokenizer: review text -> sentences -> tokens.

- ``tokenize(text)``: Penn-Treebank-like tokens ("don't" -> "do", "n't"; "3.5" stays whole;
  punctuation on its own; IMDB's ``<br />`` tags dropped). The shipped model was trained on its
  output, so the lessons tokenize with it too.
- ``split_sentences(text)``: text -> a list of sentence strings (a rule, not a parser).
- ``sentence_tokens(texts)``: many texts -> one list of tokenized sentences.

For whitespace-split text (what ``embed_file`` and the TF-Hub ``default`` signature read), see
``engine.text_ops``.
"""
from __future__ import annotations

import re

_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Alternatives are tried in order; the first that matches at a position wins.
_TOKEN = re.compile(
    r"""
      [^\W_]+(?=n['’]t\b)            # "do" of "don't", "ca" of "can't" (Penn Treebank style)
    | n['’]t\b                       # the clitic "n't"
    | ['’](?:s|re|ve|ll|d|m)\b       # clitics: 's 're 've 'll 'd 'm
    | \d+(?:[.,:]\d+)+               # numbers with separators: 3.5  1,000  10:30
    | [^\W_]+(?:-[^\W_]+)*           # words and plain numbers; hyphenated words stay whole
    | \.{2,} | -{2,}                 # ellipses "..." and dashes "--"
    | \S                             # any other character on its own: . , ! ? ( ) " ' ...
    """,
    re.VERBOSE | re.IGNORECASE,
)
# A sentence ends at . ! or ? (possibly followed by a closing quote or bracket) when whitespace
# and a capital letter (possibly after an opening quote or bracket) follow.
_SENTENCE_END = re.compile(r"""(?:(?<=[.!?])|(?<=[.!?]["')]))\s+(?=["'(]?[A-Z])""")


def _text_of(text: str) -> str:
    if not isinstance(text, str):
        raise ValueError(f"expected a str of text, got {type(text).__name__}: {text!r:.80}")
    return _BREAK_TAG.sub(" ", text)


def tokenize(text: str) -> list[str]:
    """Split text into word and punctuation tokens, the way the whole course does.

    - IMDB's ``<br />`` line-break tags become spaces; case is kept.
    - Words, numbers and punctuation marks are separate tokens; hyphenated words
      (``well-known``), numbers with separators (``3.5``, ``1,000``) and runs of dots (``...``)
      or dashes (``--``) stay whole.
    - Clitics split as in the Penn Treebank: ``don't`` -> ``do n't``, ``can't`` -> ``ca n't``,
      ``it's`` -> ``it 's``, ``we'll`` -> ``we 'll``.

    >>> tokenize("I don't like it's ending.<br />Rated 3.5/10!")
    ['I', 'do', "n't", 'like', 'it', "'s", 'ending', '.', 'Rated', '3.5', '/', '10', '!']
    """
    return _TOKEN.findall(_text_of(text))


def split_sentences(text: str) -> list[str]:
    """Split a review into sentences at ``.``, ``!`` or ``?`` followed by space and a capital.

    A simple rule, good enough for reviews: it also splits after abbreviations such as "Mr.",
    and does not split lower-cased text such as the Rotten Tomatoes sentences.

    >>> split_sentences("Great cast. Weak plot!<br /><br />Still, see it.")
    ['Great cast.', 'Weak plot!', 'Still, see it.']
    """
    pieces = _SENTENCE_END.split(_text_of(text).strip())
    return [piece for piece in (p.strip() for p in pieces) if piece]


def sentence_tokens(texts) -> list[list[str]]:
    """Every sentence of every text, tokenized: ``split_sentences`` then ``tokenize``, in order,
    without the sentences that have no tokens. This is how the trainer reads its corpus.

    >>> sentence_tokens(["Great cast. Weak plot!", "   "])
    [['Great', 'cast', '.'], ['Weak', 'plot', '!']]
    """
    return [tokens for text in texts for s in split_sentences(text) if (tokens := tokenize(s))]
