"""The course tokenizer (elmo_course.course.text)."""
import pytest

from elmo_course.course.text import split_sentences, tokenize


# --- tokenizer -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, tokens", [
    ("I don't like it's ending.", ["I", "do", "n't", "like", "it", "'s", "ending", "."]),
    ("Can't WON'T isn't", ["Ca", "n't", "WO", "N'T", "is", "n't"]),
    ("We'll see, I'm sure they've gone.",
     ["We", "'ll", "see", ",", "I", "'m", "sure", "they", "'ve", "gone", "."]),
    ("Great film.<br /><br />See it!", ["Great", "film", ".", "See", "it", "!"]),
    ("a well-known film--which cost $5.99 in 1999... (10/10)",
     ["a", "well-known", "film", "--", "which", "cost", "$", "5.99", "in", "1999", "...",
      "(", "10", "/", "10", ")"]),
    ("1,000 extras in the 1980s", ["1,000", "extras", "in", "the", "1980s"]),
    ('"Yes," she said.', ['"', "Yes", ",", '"', "she", "said", "."]),
    ("The café’s owner didn’t", ["The", "café", "’s", "owner", "did", "n’t"]),
    ("", []),
])
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


def test_tokenize_handles_pretokenized_rotten_tomatoes():
    text = "it's a charming , funny film that doesn't overstay its welcome ."
    assert tokenize(text) == ["it", "'s", "a", "charming", ",", "funny", "film", "that",
                                   "does", "n't", "overstay", "its", "welcome", "."]


def test_tokenize_refuses_non_text():
    with pytest.raises(ValueError, match="expected a str"):
        tokenize(None)


def test_split_sentences():
    review = 'Great cast. Weak plot!<br /><br />He said "Go." Then why? (It ends.) the end.'
    assert split_sentences(review) == [
        "Great cast.", "Weak plot!", 'He said "Go."', "Then why?", "(It ends.) the end."]
    assert split_sentences("") == []
    assert split_sentences("lower case . no split here .") == ["lower case . no split here ."]
