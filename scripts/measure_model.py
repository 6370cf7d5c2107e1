"""Measure a dumped model's quality figures and write metrics.json + MODEL_CARD.md beside it.

    python scripts/measure_model.py elmo_course/models/elmo-course-tiny --train-dir runs/tiny

The card is rendered from scripts/MODEL_CARD.template.md, so every number in it comes from this
run (and tests/test_shipped_model.py re-measures them).
"""
import argparse
import json
import platform
import string
from pathlib import Path

import elmo_course as ec
from elmo_course import quality
from elmo_course.weights import count_parameters, read_options


SENSE_TARGET = 0.8  # the course's goal for the best LSTM layer's sense accuracy
WINDOW_TOKENS = 64 * 20  # tokens per direction in one training step: batch 64 x 20-step windows


def training_facts(train_dir):
    """Corpus size, steps and wall time from the trainer's train_log.jsonl.

    A resumed run appends to the same log, starting with a new header record (the one with
    ``train_tokens``); the wall time is summed over the runs.
    """
    records = [json.loads(line) for line in (Path(train_dir) / "train_log.jsonl").read_text().splitlines()]
    runs = []
    for record in records:
        if "train_tokens" in record:
            runs.append([])
        runs[-1].append(record)
    run_minutes = [round(run_seconds(run) / 60, 1) for run in runs]
    # steps each run added (a resumed run starts from its checkpoint, at most a few steps past
    # the previous run's last record), as tokens per second per direction
    last_steps = [max((r["step"] for r in run if "step" in r), default=0) for run in runs]
    run_steps = [b - a for a, b in zip([0] + last_steps[:-1], last_steps)]
    run_tokens_per_s = [round(steps * WINDOW_TOKENS / (minutes * 60)) for steps, minutes in zip(run_steps, run_minutes)]
    last_step = max((r for r in records if "step" in r and "loss" in r), key=lambda r: r["step"])
    return {"train_tokens": runs[0][0]["train_tokens"], "vocab": runs[0][0]["vocab"],
            "steps": last_step["step"], "train_minutes": round(sum(run_minutes), 1),
            "run_minutes": run_minutes, "run_tokens_per_s": run_tokens_per_s,
            "final_train_loss": round(last_step["loss"], 3)}


def run_seconds(records):
    """Wall time of one run: its closing summary, or (for a run stopped by hand) the finished
    epochs plus the last progress record after them (whose clock restarts every epoch)."""
    summary = [r for r in records if "train_seconds" in r]
    if summary:
        return summary[-1]["train_seconds"]
    epochs = [i for i, r in enumerate(records) if "epoch" in r]
    done = records[epochs[-1]]["seconds"] if epochs else 0.0
    after = [r for r in records[(epochs[-1] + 1 if epochs else 0):] if "step" in r and "loss" in r]
    return done + (after[-1]["seconds"] if after else 0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--train-dir", required=True, help="the trainer's output (for train_log.jsonl)")
    parser.add_argument("--render-only", action="store_true",
                        help="re-render MODEL_CARD.md from the existing metrics.json")
    parser.add_argument("--command", default="python -m elmo_course.train runs/tiny --hidden 256 "
                        "--projection 128 --max-minutes 88 --epochs 4 --batch-size 64 --seed 1",
                        help="the command of the (last) training run, as the card shows it")
    args = parser.parse_args()
    model_dir = Path(args.model_dir)
    options = read_options(model_dir / "options.json")
    if args.render_only:
        metrics = json.loads((model_dir / "metrics.json").read_text())
    else:
        elmo = ec.load_elmo(model_dir)
        metrics = {
            "parameters": count_parameters(options),
            "training": training_facts(args.train_dir),
            "perplexity": quality.heldout_perplexity(model_dir, **quality.PERPLEXITY_SAMPLE),
            "senses": quality.sense_figures(elmo),
            "sentiment": quality.sentiment_figures(elmo, **quality.SENTIMENT_SAMPLE),
        }
        (model_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    template = string.Template((Path(__file__).parent / "MODEL_CARD.template.md").read_text())
    flat = {"command": args.command, "machine": f"{platform.machine()}, 2 CPU cores",
            "hidden": options["lstm"]["dim"], "projection": options["lstm"]["projection_dim"],
            "filters": options["char_cnn"]["filters"], "n_highway": options["char_cnn"]["n_highway"]}
    flat.update(render_values(metrics))
    (model_dir / "MODEL_CARD.md").write_text(template.substitute(flat))
    print(json.dumps(metrics, indent=2))


def render_values(metrics):
    """The metrics as the strings the card shows (3 decimals for accuracies, 1 for perplexity)."""
    values = {"parameters": f"{metrics['parameters']:,}"}
    training = metrics["training"]
    values.update({k: (f"{v:,}" if isinstance(v, int) else v) for k, v in training.items()})
    values["run_minutes"] = " + ".join(f"{m:.1f}" for m in training["run_minutes"])
    values["run_tokens_per_s"] = " and ".join(f"{v:,}" for v in training["run_tokens_per_s"])
    tokens_seen = training["steps"] * WINDOW_TOKENS
    values["tokens_seen"] = f"{tokens_seen / 1e6:.1f}M"
    values["epochs_seen"] = f"{tokens_seen / training['train_tokens']:.2f}"
    for k, v in metrics["perplexity"].items():
        values[f"ppl_{k}"] = f"{v:,}" if isinstance(v, int) else f"{v:.1f}"
    for model in ("trained", "random_init"):
        for layer, v in metrics["senses"][model].items():
            values[f"sense_{model}_{layer}"] = f"{v:.3f}"
    values["sense_word_table"] = "\n".join(
        f"| {word} | {v['1']:.2f} | {v['2']:.2f} |"
        for word, v in metrics["senses"]["trained_per_word"].items())
    values.update({f"sent_{k}": f"{v:.3f}" for k, v in metrics["sentiment"].items()})
    best_layer = max(("1", "2"), key=lambda layer: metrics["senses"]["trained"][layer])
    best = metrics["senses"]["trained"][best_layer]
    values["sense_best_layer"] = best_layer
    values["sense_best"] = f"{best:.3f}"
    values["sense_target_sentence"] = (
        f"The course set itself a target of {SENSE_TARGET} sense accuracy for the best LSTM layer; this model "
        f"reaches {best:.3f} (layer {best_layer}), "
        + ("which meets it." if best >= SENSE_TARGET else
           "above its random-weight twin but below the target. A larger model trained longer "
           "(on a GPU) is the first thing to try."))
    return values


if __name__ == "__main__":
    main()
