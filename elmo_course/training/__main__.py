"""``python -m elmo_course.training OUTDIR [options]``: train a course biLM (see ``trainer.py``)."""
from .trainer import main

main()
