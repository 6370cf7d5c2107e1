"""Training a biLM: how the shipped model was made, and the ``elmo-course train`` command.

    trainer.py       the bilm-tf algorithm in TF2 (streams, sampled softmax, run records);
                     ``python -m elmo_course.training --help`` trains the course's model
    char_distill.py  fit layer 0 to GloVe before the biLM is trained
    text_files.py    train on any text files, or continue a model (``elmo-course train``)
    general_text.py  general English text from PyPI packages, to train beside the reviews
"""
