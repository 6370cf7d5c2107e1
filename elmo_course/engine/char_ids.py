"""ELMo's character ids: every token becomes 50 integers.

ELMo reads words as bytes, not as entries of a word vocabulary, so it has no out-of-vocabulary
words. The alphabet has 262 symbols: the 256 byte values of UTF-8 plus six markers.

A token is encoded as ``[BOW, byte_1, ..., byte_n, EOW, PAD, PAD, ...]`` (50 positions, at most
48 bytes: a longer token is cut to its first 48 bytes), and every id is then shifted by +1 so that
0 can mean "no token here" (padding in a batch). The sentence markers ``<S>`` and ``</S>`` have
ids of their own. These constants and the +1 shift are those of bilm-tf and AllenNLP, so the
ids here index the same rows of a released model's ``char_embed`` table.
"""
import numpy as np

MAX_CHARS = 50
BOS_CHAR = 256  # beginning of sentence
EOS_CHAR = 257  # end of sentence
BOW_CHAR = 258  # beginning of word
EOW_CHAR = 259  # end of word
PAD_CHAR = 260  # padding inside a word's 50 positions

BOS_TOKEN = "<S>"
EOS_TOKEN = "</S>"


def _marker_ids(marker):
    ids = [PAD_CHAR] * MAX_CHARS
    ids[0], ids[1], ids[2] = BOW_CHAR, marker, EOW_CHAR
    return [i + 1 for i in ids]


BOS_IDS = np.array(_marker_ids(BOS_CHAR), dtype=np.int32)  # the ids of <S>, shift included
EOS_IDS = np.array(_marker_ids(EOS_CHAR), dtype=np.int32)  # the ids of </S>, shift included


def token_to_ids(token):
    """Return the 50 character ids (shift included) of one token, as a list of ints."""
    if token == BOS_TOKEN:
        return BOS_IDS.tolist()
    if token == EOS_TOKEN:
        return EOS_IDS.tolist()
    utf8 = token.encode("utf-8", "ignore")[: MAX_CHARS - 2]
    ids = [PAD_CHAR] * MAX_CHARS
    ids[0] = BOW_CHAR
    ids[1 : len(utf8) + 1] = list(utf8)
    ids[len(utf8) + 1] = EOW_CHAR
    return [i + 1 for i in ids]


def _check_container(sentences):
    if isinstance(sentences, (str, bytes)) or not hasattr(sentences, "__iter__"):
        raise ValueError(
            f"expected a list of tokenized sentences (lists of strings), got {type(sentences).__name__}"
            + (": split the text into sentences of tokens first" if isinstance(sentences, str) else "")
        )


def as_sentences(sentences):
    """``list(sentences)``, checked: a bare string is refused before ``list`` splits it into characters."""
    _check_container(sentences)
    sentences = list(sentences)
    check_sentences(sentences)
    return sentences


def check_sentences(sentences):
    """Raise a ValueError naming the first problem in a list of tokenized sentences.

    Each sentence must be a non-empty list (or tuple) of strings.
    """
    _check_container(sentences)
    for number, sentence in enumerate(sentences):
        if isinstance(sentence, str) or not isinstance(sentence, (list, tuple)):
            raise ValueError(
                f"sentence {number} must be a list of string tokens, got {type(sentence).__name__}"
                + (": split it into tokens first" if isinstance(sentence, str) else "")
            )
        if len(sentence) == 0:
            raise ValueError(f"sentence {number} is empty: every sentence needs at least one token")
        for position, token in enumerate(sentence):
            if not isinstance(token, str):
                raise ValueError(
                    f"sentence {number}, token {position} is {token!r} ({type(token).__name__}), "
                    "but tokens must be strings"
                )


def batch_to_ids(sentences):
    """Character ids of a batch of tokenized sentences: int32 array (batch_size, max_len, 50).

    Sentences shorter than the longest are padded with all-zero rows. Same result as
    ``allennlp.modules.elmo.batch_to_ids`` (which returns a torch tensor).
    """
    sentences = as_sentences(sentences)
    max_len = max((len(s) for s in sentences), default=0)
    ids = np.zeros((len(sentences), max_len, MAX_CHARS), dtype=np.int32)
    for row, sentence in enumerate(sentences):
        for column, token in enumerate(sentence):
            ids[row, column] = token_to_ids(token)
    return ids
