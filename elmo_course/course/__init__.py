"""The course's data and probes: what the lessons read and how they measure a model.

    text.py      the course tokenizer (sentences, tokens) that the shipped model was trained on
    datasets.py  IMDB reviews and Rotten Tomatoes sentences (offline package, or the real downloads)
    glove.py     GloVe 6B 50-d vectors, the paper's context-independent baseline
    senses.py    sentences with ambiguous words, and nearest-centroid sense accuracy
    quality.py   the model card's measurements (perplexity, senses, sentiment curve, start states)
    viz.py       plots of contextual vectors
"""
