"""Measure a dumped model's quality figures and write metrics.json + MODEL_CARD.md beside it.

    python scripts/measure_model.py elmo_course/models/elmo-course-tiny

How the model was made comes from the ``training.json`` the trainer writes beside its dump (copy
it into the model folder with the other files): every run's command, settings, machine,
minutes, speed and tokens. The card is rendered from scripts/MODEL_CARD.template.md, so every
number in it comes from this run or from that record, and tests/test_shipped_model.py
re-measures the figures.
"""
import argparse
import json
import statistics
import string
from pathlib import Path

import elmo_course as ec
from elmo_course.course import glove, quality
from elmo_course.engine.options import ElmoOptions, count_parameters, read_options

SENSE_TARGET = 0.8  # the course's goal for the best LSTM layer's sense accuracy
ROWS = {"bag_of_words": "bag of words (binary 1-2 grams)", "glove_average": "GloVe 6B 50-d, average",
        "layer0": "ELMo layer 0 (characters, distilled from GloVe)", "elmo": "ELMo, mean of the 3 layers",
        "elmo_layers": "ELMo, the 3 layers side by side (weighted by the classifier)",
        "elmo_plus_bag_of_words": "ELMo + bag of words"}
POS_ROWS = {"majority": "majority tag of the word in training", "glove": "GloVe 6B 50-d",
            "layer0": "layer 0 (characters)", "layer1": "layer 1 (first biLSTM)", "layer2": "layer 2 (second biLSTM)",
            "mean": "mean of the 3 layers", "learned": "learned weighting (eq. 1)"}
STARTS = {"zero": "zero state (the default)", "warm": "warm start (after \"This is a sentence .\")",
          "carried": "carried state (stateful, batches of 64)"}


SECTIONS = ("parameters", "perplexity", "perplexity_batch_64", "senses", "sentiment_curve", "start_states",
            "pos", "ner")


def measure(model_dir, sections=SECTIONS):
    """The figures of ``sections`` (all by default), each measured on the model in ``model_dir``."""
    elmo = ec.load_elmo(str(model_dir))
    measures = {
        "parameters": lambda: count_parameters(read_options(model_dir / "options.json")),
        "perplexity": lambda: quality.heldout_perplexity(model_dir, **quality.PERPLEXITY_SAMPLE),
        "perplexity_batch_64": lambda: quality.heldout_perplexity(model_dir, test_reviews=100, batch_size=64),
        "senses": lambda: {**quality.sense_figures(elmo), "glove": quality.glove_sense_accuracy()},
        "sentiment_curve": lambda: quality.sentiment_curve(elmo, **quality.CURVE_SAMPLE),
        "start_states": lambda: quality.start_state_figures(elmo),
        "pos": lambda: quality.pos_figures(elmo),
        "ner": lambda: quality.ner_figures(elmo),
    }
    return {name: measures[name]() for name in sections}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--render-only", action="store_true",
                        help="re-render MODEL_CARD.md from the existing metrics.json")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                        help=f"re-measure only these sections of metrics.json and keep the others ({', '.join(SECTIONS)})")
    args = parser.parse_args()
    model_dir = Path(args.model_dir)
    if not args.render_only:
        kept = json.loads((model_dir / "metrics.json").read_text()) if args.only else {}
        measured = {**kept, **measure(model_dir, args.only or SECTIONS)}
        (model_dir / "metrics.json").write_text(json.dumps({k: measured[k] for k in SECTIONS if k in measured}, indent=2) + "\n")
    metrics = json.loads((model_dir / "metrics.json").read_text())  # the card renders what the tests read
    runs = json.loads((model_dir / "training.json").read_text())["runs"]
    template = string.Template((Path(__file__).parent / "MODEL_CARD.template.md").read_text())
    values = render_values(metrics, runs, read_options(model_dir / "options.json"))
    (model_dir / "MODEL_CARD.md").write_text(template.substitute(values))
    print(json.dumps(metrics, indent=2))


def render_runs(runs):
    """The card's table of training runs, one row per run of training.json."""
    rows = ["| run | command | machine | minutes | tokens/s per direction | tokens per direction |",
            "|---|---|---|---|---|---|"]
    notes = []
    for number, run in enumerate(runs, start=1):
        rows.append(f"| {number} | `{run['command']}` | {run['machine']} | {run['minutes']:.1f} | "
                    f"{run['tokens_per_s']:,.0f} | {run['tokens_per_direction'] / 1e6:.1f}M |")
        if run.get("note"):
            notes.append(f"Run {number}: {run['note']}.")
    return "\n".join(rows) + ("\n\n" + " ".join(notes) if notes else "")


def render_distillation(runs):
    """What each run's GloVe step did, in one sentence per run that had one."""
    parts = []
    for number, run in enumerate(runs, start=1):
        distilled = run.get("glove_distillation")
        if distilled:
            weighting = distilled.get("weighting", "corpus-sqrt")
            parts.append(f"run {number}, {distilled['steps']:,} steps of 512 words ({distilled['seconds'] / 60:.1f} min) "
                         f"over {distilled['words']:,} words weighted `{weighting}`; mean cosine between the head's "
                         f"prediction and the GloVe vector at the end: {distilled['cosine']:.3f}")
    return "; ".join(parts) if parts else "none"


def render_values(metrics, runs, options):
    """The metrics and the run record as the strings the card shows (``options``: ElmoOptions or
    options.json content)."""
    options = ElmoOptions.from_dict(options)
    first = runs[0]
    corpus = first["corpus"]
    tokens_seen = sum(run["tokens_per_direction"] for run in runs)
    values = {
        "parameters": f"{metrics['parameters']:,}",
        "hidden": options.hidden_dim, "projection": options.projection_dim,
        "filters": [list(f) for f in options.filters], "n_highway": options.n_highway,
        "glove_source": glove.SOURCE,
        "train_tokens": f"{corpus['train_tokens']:,}", "vocab": f"{corpus['vocab']:,}",
        "source_tokens": ", ".join(f"{name} {count:,}" for name, count in corpus["source_tokens"].items()),
        "runs_table": render_runs(runs),
        "train_minutes": f"{sum(run['minutes'] for run in runs):.1f}",
        "tokens_seen": f"{tokens_seen / 1e6:.1f}M",
        "epochs_seen": f"{tokens_seen / corpus['train_tokens']:.2f}",
        "steps": f"{sum(run['steps_after'] - run['steps_before'] for run in runs):,}",
        "distill_minutes": f"{sum(run.get('glove_distillation', {}).get('seconds', 0) for run in runs) / 60:.1f}",
        "reset_probability": first["settings"]["reset_probability"],
        "num_sampled": first["settings"]["num_sampled"],
        "batch_size": first["settings"]["batch_size"],
    }
    values["distillation"] = render_distillation(runs)
    for name in ("perplexity", "perplexity_batch_64"):
        for k, v in metrics[name].items():
            values[f"{name}_{k}"] = f"{v:,}" if isinstance(v, int) else f"{v:.1f}"
    for model in ("trained", "random_init"):
        for layer, v in metrics["senses"][model].items():
            values[f"sense_{model}_{layer}"] = f"{v:.3f}"
    values["sense_glove"] = f"{metrics['senses']['glove']:.3f}"
    values["sense_word_table"] = "\n".join(
        f"| {word} | {v['1']:.2f} | {v['2']:.2f} |" for word, v in metrics["senses"]["trained_per_word"].items())
    curve = metrics["sentiment_curve"]
    sizes = list(curve["elmo"])
    values["curve_table"] = "\n".join(
        [f"| features | {' | '.join(f'{int(n):,}' for n in sizes)} |", "|---" * (len(sizes) + 1) + "|"]
        + [f"| {label} | {' | '.join(f'{curve[row][n]:.3f}' for n in sizes)} |" for row, label in ROWS.items()])
    values["start_table"] = "\n".join(
        ["| start | sense, layer 1 | sense, layer 2 | sentiment, 1,000 reviews |", "|---|---|---|---|"]
        + [f"| {label} | {metrics['start_states'][k]['sense_layer1']:.3f} | "
           f"{metrics['start_states'][k]['sense_layer2']:.3f} | {metrics['start_states'][k]['sentiment_1000']:.3f} |"
           for k, label in STARTS.items()])
    pos = metrics["pos"]
    values["pos_counts"] = (f"{pos['counts']['all']:,} test words, {pos['counts']['ambiguous']:,} of them ambiguous "
                            f"in training and {pos['counts']['unseen']:,} unseen")
    values["pos_table"] = "\n".join(
        ["| features | accuracy | on ambiguous words | on unseen words |", "|---|---|---|---|"]
        + [f"| {label} | {pos[row]['all']:.3f} | {pos[row]['ambiguous']:.3f} | {pos[row]['unseen']:.3f} |"
           for row, label in POS_ROWS.items()]
        + ["| same architecture, random weights: layer 0 / 1 / 2 | "
           + " / ".join(f"{pos['random_init'][k]:.3f}" for k in ("0", "1", "2")) + " | | |"])
    values["pos_weights"] = ", ".join(f"{w:.2f}" for w in pos["learned"]["weights"])
    ner = metrics["ner"]
    values["ner_table"] = "\n".join(
        ["| features | entity F1, mean | spread (std) | per seed |", "|---|---|---|---|"]
        + [f"| {label} | {statistics.mean(ner[row]):.3f} | {statistics.stdev(ner[row]):.3f} | "
           f"{', '.join(f'{f:.3f}' for f in ner[row])} |"
           for row, label in (("glove", "GloVe 6B 50-d + capitalisation"), ("glove_elmo", "the same + ELMo (learned mix)"))])
    values["ner_entities"] = f"{ner['entities']:,}"
    values["ner_seeds"] = len(ner["glove"])
    gain = statistics.mean(ner["glove_elmo"]) - statistics.mean(ner["glove"])
    two_se = 2 * (statistics.variance(ner["glove"]) / len(ner["glove"])
                  + statistics.variance(ner["glove_elmo"]) / len(ner["glove_elmo"])) ** 0.5
    values["ner_sentence"] = (f"ELMo changes the mean F1 by {gain:+.3f}; two standard errors of that difference "
                              f"(from the seeds' spread) are {two_se:.3f}"
                              + (", so the gain is clear." if gain > two_se else ", so with this many seeds the gain is within the noise."))
    best_layer = max(("1", "2"), key=lambda layer: metrics["senses"]["trained"][layer])
    best = metrics["senses"]["trained"][best_layer]
    values["sense_best_layer"], values["sense_best"] = best_layer, f"{best:.3f}"
    glove_row, bag_row, layer0_row, elmo_row, both_row = (
        curve[k] for k in ("glove_average", "bag_of_words", "layer0", "elmo", "elmo_plus_bag_of_words"))
    values["sentiment_sentence"] = " ".join(
        f"With {int(n):,} training reviews ELMo reaches {elmo_row[n]:.3f}, "
        f"{'above' if elmo_row[n] > glove_row[n] else 'below'} the GloVe average ({glove_row[n]:.3f}), and "
        f"ELMo + bag of words {both_row[n]:.3f} against bag of words alone {bag_row[n]:.3f}."
        for n in sizes if int(n) in (500, 1000))
    if elmo_row["1000"] < glove_row["1000"] and layer0_row["1000"] < glove_row["1000"]:
        values["sentiment_sentence"] += (" GloVe's word statistics from 6B tokens, averaged over a review, carry "
                                         "more sentiment than this model's mean-pooled layers; its layer 0, fit "
                                         "to GloVe, recovers only part of them.")
    elif elmo_row["1000"] < layer0_row["1000"]:
        values["sentiment_sentence"] += (
            f" Layer 0 alone, fit to GloVe, reaches {layer0_row['1000']:.3f} with 1,000 reviews (GloVe "
            f"{glove_row['1000']:.3f}), so the characters carry what the GloVe average carries; the mean of the "
            f"three layers is lower: averaged in with equal weight, the LSTM layers dilute that signal more than "
            f"their context adds to it.")
    if "elmo_layers" in curve:
        layers_row = curve["elmo_layers"]
        values["sentiment_sentence"] += (
            f" Given the three layers side by side, so that the classifier weights them itself (a learned "
            f"weighting of the layers), ELMo reaches {layers_row['1000']:.3f} with 1,000 reviews and "
            f"{layers_row['2000']:.3f} with 2,000 (equal average: {elmo_row['1000']:.3f} and {elmo_row['2000']:.3f}).")
    values["sense_target_sentence"] = (
        f"The course set itself a target of {SENSE_TARGET} sense accuracy for the best LSTM layer; this model "
        f"reaches {best:.3f} (layer {best_layer}), "
        + ("which meets it." if best >= SENSE_TARGET else "above its random-weight twin but below the target."))
    return values


if __name__ == "__main__":
    main()
