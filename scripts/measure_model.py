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


def training_facts(train_dir):
    """Corpus size, steps and wall time from the trainer's train_log.jsonl."""
    records = [json.loads(line) for line in (Path(train_dir) / "train_log.jsonl").read_text().splitlines()]
    first = next(r for r in records if "train_tokens" in r)
    last_step = max((r for r in records if "step" in r and "loss" in r), key=lambda r: r["step"])
    summary = [r for r in records if "train_seconds" in r]
    seconds = summary[-1]["train_seconds"] if summary else last_step["seconds"]
    return {"train_tokens": first["train_tokens"], "vocab": first["vocab"], "steps": last_step["step"],
            "train_minutes": round(seconds / 60, 1), "final_train_loss": round(last_step["loss"], 3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--train-dir", required=True, help="the trainer's output (for train_log.jsonl)")
    parser.add_argument("--render-only", action="store_true",
                        help="re-render MODEL_CARD.md from the existing metrics.json")
    parser.add_argument("--command", default="python -m elmo_course.train runs/tiny --hidden 256 "
                        "--projection 128 --max-minutes 95 --epochs 2 --batch-size 64",
                        help="the training command, as the card shows it")
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
    values.update({k: (f"{v:,}" if isinstance(v, int) else v) for k, v in metrics["training"].items()})
    training = metrics["training"]
    tokens_seen = training["steps"] * 64 * 20  # batch 64 x 20-step windows, per direction
    values["tokens_seen"] = f"{tokens_seen / 1e6:.1f}M"
    values["epochs_seen"] = f"{tokens_seen / training['train_tokens']:.2f}"
    for k, v in metrics["perplexity"].items():
        values[f"ppl_{k}"] = f"{v:,}" if isinstance(v, int) else f"{v:.1f}"
    for model, per_layer in metrics["senses"].items():
        for layer, v in per_layer.items():
            values[f"sense_{model}_{layer}"] = f"{v:.3f}"
    values.update({f"sent_{k}": f"{v:.3f}" for k, v in metrics["sentiment"].items()})
    best_layer = max(("1", "2"), key=lambda layer: metrics["senses"]["trained"][layer])
    values["sense_best_layer"] = best_layer
    values["sense_best"] = f"{metrics['senses']['trained'][best_layer]:.3f}"
    return values


if __name__ == "__main__":
    main()
