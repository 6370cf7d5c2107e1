"""`elmo-course train` (elmo_course.train_files): any text files, --from a pretrained model,
resuming, and bad input that exits with status 2 before anything is written."""

import json

import numpy as np
import pytest

from elmo_course import cli, load_elmo
from elmo_course.training import text_files as train_files


@pytest.fixture
def text_file(repo_root, tmp_path):
    """Plain English that is not course data: the course's own paper notes."""
    path = tmp_path / "notes.txt"
    path.write_text((repo_root / "paper_notes" / "elmo_paper_notes_en.md").read_text(encoding="utf-8"),
                    encoding="utf-8")
    return path


def train(args, capsys):
    assert cli.main(["train", *args]) == 0
    return capsys.readouterr().out


def run_record(folder):
    return json.loads((folder / "training.json").read_text())["runs"]


def test_a_new_model_on_any_text_loads_and_resumes(text_file, tmp_path, capsys):
    output = tmp_path / "mine"
    printed = train([str(text_file), str(output), "--max-minutes", "0.2", "--batch-size", "8",
                     "--hidden", "32", "--projection", "16"], capsys)
    assert "corpus: 1 file(s)" in printed and "held-out perplexity after training" in printed
    elmo = load_elmo(str(output))
    assert elmo.embed_sentence(["A", "new", "model", "."]).shape == (3, 4, 32)
    steps = run_record(output)[-1]["steps_after"]
    assert steps > 0
    train([str(text_file), str(output), "--max-minutes", "0.1", "--batch-size", "8",
           "--hidden", "32", "--projection", "16", "--epochs", "50"], capsys)
    runs = run_record(output)
    assert len(runs) == 2 and runs[1]["steps_before"] == steps and runs[1]["steps_after"] > steps


@pytest.mark.parametrize("start", ["elmo-course-tiny", "reference"])
def test_from_a_pretrained_model_lowers_held_out_perplexity(start, text_file, tmp_path, capsys, request):
    if start == "reference":
        start = str(request.getfixturevalue("reference_dir"))  # no softmax: one is built
    output = tmp_path / "adapted"
    # two passes over the text: a fixed amount of training, however busy the machine is
    printed = train([str(text_file), str(output), "--from", start, "--epochs", "2", "--batch-size", "8"], capsys)
    perplexity = run_record(output)[-1]["held_out_perplexity"]
    assert np.all(np.array(perplexity["after"]) < np.array(perplexity["before"]))
    assert ("has no softmax" in printed) == (start != "elmo-course-tiny")
    assert load_elmo(str(output)).embed_sentence(["Domain", "text", "."]).shape[:2] == (3, 3)


@pytest.mark.parametrize("content, message", [
    (None, "not found"), (b"   \n", "is empty"), (b"\x00\x01\x02 binary", "binary"),
])
def test_bad_corpus_exits_2_with_one_line(tmp_path, capsys, content, message):
    corpus = tmp_path / "corpus.txt"
    if content is not None:
        corpus.write_bytes(content)
    output = tmp_path / "out"
    assert cli.main(["train", str(corpus), str(output)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("elmo-course train: error:") and message in error[0]
    assert not output.exists()


@pytest.mark.parametrize("args, message", [
    ([], "too few words seen 3 times for a vocabulary"),  # no word is seen 3 times
    (["--min-count", "1", "--batch-size", "64"], "too few for 64 streams"),  # a vocabulary, too few tokens
])
def test_a_corpus_too_small_to_train_on_exits_2_and_writes_nothing(tmp_path, capsys, args, message):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("A short corpus .\nIt has two sentences and few words .\n", encoding="utf-8")
    output = tmp_path / "runs" / "mine"
    assert cli.main(["train", str(corpus), str(output), *args]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("elmo-course train: error:") and message in error[0], error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt"]


def test_unknown_start_model_and_file_as_output_exit_2(text_file, tmp_path, capsys):
    taken = tmp_path / "taken.txt"
    taken.write_text("a file, not a folder")
    for args, message in (([str(text_file), str(tmp_path / "out"), "--from", "no-such-model"], "no ELMo model"),
                          ([str(text_file), str(taken)], "is a file")):
        assert cli.main(["train", *args]) == 2
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and message in error[0], error
    assert not (tmp_path / "out").exists() and taken.read_text() == "a file, not a folder"


def test_file_streams_hold_the_training_sentences_in_order(text_file, tmp_path):
    from elmo_course.training.trainer import Vocabulary

    counts, _, held_out = train_files.scan([text_file])
    sentences = [tokens for is_held_out, tokens in train_files.corpus_sentences([text_file]) if not is_held_out]
    vocab = Vocabulary.from_counts(counts, 1)
    on_disk = train_files.FileStreams([text_file], vocab, 4, tmp_path / "stream.int32")
    tokens = [t for s in sentences for t in ["<S>", *s, "</S>"]]
    assert on_disk.num_tokens == len(tokens) and len(held_out) >= 1
    words = on_disk.type_word[np.asarray(on_disk.forward)].ravel()
    assert list(words[:50]) == [vocab.id_of(t) for t in tokens[:50]]


def test_help_documents_every_option_with_an_example(capsys):
    for command in ("embed", "train"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        text = capsys.readouterr().out
        assert "examples:" in text and f"elmo-course {command}" in text
        for action in cli.build_parser()._subparsers._group_actions[0].choices[command]._actions:
            assert action.help, f"{command} {action.option_strings or action.dest} has no help"
