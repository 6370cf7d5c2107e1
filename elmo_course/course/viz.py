"""Plotting helpers for contextual vectors (matplotlib only; each returns its ``Figure``).

- ``pca_2d``: project vectors to 2-D with PCA, safe for a context-free layer whose vectors are
  all the same (PCA has nothing to explain there).
- ``plot_pca_by_layer``: one PCA scatter per ELMo layer, points coloured by label (e.g. a word's
  sense), optionally annotated (lesson 06).
- ``plot_sense_accuracy``: grouped bars of a ``senses.sense_accuracy`` table, with chance marked.
- ``plot_layer_weights``: the softmax-normalised weights of a trained ``ScalarMix`` (paper eq. 1),
  one bar per layer, with gamma in the title (lessons 02 and 04).
- ``mark_word``: a sentence as text with one token highlighted, for printing next to a plot.
- ``draw_elmo``: the one picture of the model, with the sizes of a model's options written in its
  boxes; ``highlight=`` shows the part a lesson uses and fades the rest.

The functions never call ``plt.show()``; a notebook does, so that the figure lands in its output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

ELMO_LAYER_NAMES = ("layer 0: token (char CNN)", "layer 1: biLSTM 1", "layer 2: biLSTM 2")

# Spread smaller than this fraction of the vectors' size counts as no spread at all: batched float32
# matrix products move a context-free vector by ~1e-7, which PCA would otherwise blow up into a cloud.
IDENTICAL_TOLERANCE = 1e-5


def pca_2d(vectors, tolerance: float = IDENTICAL_TOLERANCE):
    """Project ``vectors`` (n, dim) onto their first two principal components.

    Returns:
        ``(points, explained_variance_ratio)``: float arrays (n, 2) and (2,). When all vectors are
        the same (up to ``tolerance`` times their typical norm) there is no variance to explain:
        every point is (0, 0) and both ratios are 0.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] < 2:
        raise ValueError(f"pca_2d needs at least 2 vectors of shape (n, dim), got shape {vectors.shape}")
    centred = vectors - vectors.mean(axis=0)
    scale = max(np.linalg.norm(vectors, axis=1).mean(), 1e-30)
    if np.linalg.norm(centred, axis=1).max() <= tolerance * scale:
        return np.zeros((len(vectors), 2)), np.zeros(2)
    components = min(2, *vectors.shape)
    pca = PCA(n_components=components, svd_solver="full").fit(vectors)
    points = np.zeros((len(vectors), 2))
    points[:, :components] = pca.transform(vectors)
    ratio = np.zeros(2)
    ratio[:components] = pca.explained_variance_ratio_
    return points, ratio


def _colours(labels):
    """label -> colour, in order of first appearance (the same label keeps its colour in every panel)."""
    names = list(dict.fromkeys(labels))
    palette = plt.get_cmap("tab10" if len(names) <= 10 else "tab20")
    return {name: palette(i % palette.N) for i, name in enumerate(names)}


def plot_pca_by_layer(vectors_by_layer, labels: Sequence[str], words: Sequence[str | None] | None = None,
                      title: str | None = None, layer_names: Mapping[int, str] | None = None,
                      figsize=None):
    """One PCA scatter per layer, side by side, points coloured by ``labels``.

    Args:
        vectors_by_layer: dict layer -> (n, dim) array (as ``senses.sense_vectors`` returns), or a
            sequence of such arrays for layers 0, 1, ...; row i of every layer is the same item.
        labels: n labels that pick the colours, e.g. senses ``"bank/river"``.
        words: optional n annotations written next to the points; ``None`` or ``""`` skips a point.
            A panel whose points all coincide gets no annotations.
        title: the figure's title.
        layer_names: panel title per layer; default ``ELMO_LAYER_NAMES`` for layers 0-2.
        figsize: default 4.4 inches wide per panel, 4.2 high.

    Each panel is its own PCA (the layers live in different spaces), titled with the share of
    variance its two axes explain. A layer whose vectors are all identical shows one dot and says so.

    Returns:
        the ``matplotlib.figure.Figure``.
    """
    if not isinstance(vectors_by_layer, Mapping):
        vectors_by_layer = dict(enumerate(vectors_by_layer))
    labels = list(labels)
    for layer, vectors in vectors_by_layer.items():
        if len(vectors) != len(labels):
            raise ValueError(f"layer {layer} has {len(vectors)} vectors but there are {len(labels)} labels")
    if words is not None and len(words) != len(labels):
        raise ValueError(f"got {len(words)} annotations for {len(labels)} points")
    names = {**dict(enumerate(ELMO_LAYER_NAMES)), **(layer_names or {})}
    colours = _colours(labels)
    count = len(vectors_by_layer)
    figure, axes = plt.subplots(1, count, figsize=figsize or (4.4 * count, 4.2), squeeze=False)
    for ax, (layer, vectors) in zip(axes[0], vectors_by_layer.items()):
        points, ratio = pca_2d(vectors)
        for name, colour in colours.items():
            rows = [i for i, label in enumerate(labels) if label == name]
            ax.scatter(points[rows, 0], points[rows, 1], s=22, color=colour, alpha=0.75, label=name)
        middle = points[:, 0].mean() if len(points) else 0.0
        for i, word in enumerate(words if ratio.sum() > 0 else []):  # one dot: labels would pile up
            if word:  # labels of points right of the middle go to their left, so they stay inside
                right = points[i, 0] > middle
                ax.annotate(word, points[i], fontsize=9, xytext=(-4 if right else 4, 3), textcoords="offset points",
                            ha="right" if right else "left", clip_on=True)
        heading = names.get(layer, f"layer {layer}")
        if ratio.sum() == 0:
            ax.set_title(f"{heading}\nall vectors identical", fontsize=9)
            ax.annotate(f"all {len(labels)} points", (0, 0), fontsize=8, xytext=(6, 6),
                        textcoords="offset points")
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            ax.set_title(f"{heading}\nPC1+PC2 explain {ratio.sum():.0%} of variance", fontsize=9)
        ax.set_xlabel("PC1")
        ax.set_ylabel("PC2")
        ax.tick_params(labelsize=8)
        ax.margins(0.15)  # room for the labels of the outermost points
    handles, names_in_order = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, names_in_order, loc="lower center", ncol=min(len(colours), 6), fontsize=8,
                  frameon=False)
    if title:
        figure.suptitle(title)
    rows_of_legend = -(-len(colours) // 6)
    figure.tight_layout(rect=(0, 0.06 * rows_of_legend, 1, 1))  # keep the legend clear of the panels
    return figure


def plot_sense_accuracy(accuracy, chance: float = 0.5, title: str = "Nearest-centroid sense accuracy",
                        figsize=(6, 3.5)):
    """Grouped bars of a sense-accuracy table: one group per row (word), one bar per column (layer).

    Args:
        accuracy: a ``pandas.DataFrame`` as ``senses.sense_accuracy`` returns (index: words and
            ``"all"``; columns: layers), values in [0, 1].
        chance: where to draw the dashed chance line.

    Returns:
        the ``matplotlib.figure.Figure``.
    """
    rows, columns = list(accuracy.index), list(accuracy.columns)
    values = accuracy.to_numpy(dtype=float)
    figure, ax = plt.subplots(figsize=figsize)
    width = 0.8 / len(columns)
    positions = np.arange(len(rows))
    for j, column in enumerate(columns):
        ax.bar(positions + (j - (len(columns) - 1) / 2) * width, values[:, j], width,
               label=f"layer {column}")
    ax.axhline(chance, color="grey", linestyle="--", linewidth=1, label="chance")
    ax.set_xticks(positions, [str(row) for row in rows], rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.25)  # room above the bars for the legend
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_xlabel(accuracy.index.name or "")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper center", ncol=len(columns) + 1)
    figure.tight_layout()
    return figure


def plot_layer_weights(weights, gamma: float | None = None, layer_names: Sequence[str] | None = None,
                       title: str = "ScalarMix layer weights", figsize=(4.5, 3)):
    """Bar chart of softmax-normalised scalar-mix weights s_j = softmax(w)_j (paper eq. 1).

    Args:
        weights: the raw, unnormalised ``scalar_weights`` w (e.g. ``ScalarMix.scalar_weights``).
        gamma: the learned scale, shown in the title when given.
        layer_names: one name per layer; default ``"layer 0"``, ``"layer 1"``, ...

    Returns:
        the ``matplotlib.figure.Figure``; the dashed line marks the equal mix 1 / num_layers.
    """
    raw = np.asarray(weights, dtype=np.float64).reshape(-1)
    if raw.size == 0:
        raise ValueError("plot_layer_weights needs at least one weight")
    normalised = np.exp(raw - raw.max())
    normalised /= normalised.sum()
    names = list(layer_names) if layer_names is not None else [f"layer {j}" for j in range(raw.size)]
    if len(names) != raw.size:
        raise ValueError(f"got {len(names)} layer names for {raw.size} weights")
    figure, ax = plt.subplots(figsize=figsize)
    ax.bar(names, normalised, color="tab:blue")
    ax.axhline(1 / raw.size, color="grey", linestyle="--", linewidth=1, label="equal mix")
    ax.set_ylim(0, 1)
    ax.set_ylabel("softmax weight $s_j$")
    ax.set_title(title if gamma is None else f"{title} (gamma = {float(gamma):.2f})")
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


def mark_word(tokens: Sequence[str], index: int, left: str = "[", right: str = "]") -> str:
    """The tokens joined by spaces, token ``index`` wrapped in ``left``/``right`` (``"**"`` for bold)."""
    if not 0 <= index < len(tokens):
        raise ValueError(f"index {index} is outside a sentence of {len(tokens)} tokens")
    return " ".join(f"{left}{token}{right}" if i == index else token for i, token in enumerate(tokens))


# ---- the one picture of the model ------------------------------------------------------------
# Part names of ``draw_elmo``, bottom to top, and the groups a lesson may highlight at once.
ELMO_PARTS = ("characters", "char_cnn", "highway", "projection", "lstm", "softmax", "mix")
ELMO_PART_GROUPS = {
    "layer0": ("characters", "char_cnn", "highway", "projection"),  # the context-free token encoder
    "bilm": ("characters", "char_cnn", "highway", "projection", "lstm"),  # what gives the 3 layers
    "training": ("characters", "char_cnn", "highway", "projection", "lstm", "softmax"),  # what the LM trains
}
FADED_ALPHA = 0.25
_PART_COLOURS = {"characters": "#eeeeee", "char_cnn": "#fde0c5", "highway": "#fde0c5",
                 "projection": "#facb9c", "lstm": "#c6dbef", "softmax": "#e5e5e5", "mix": "#c7e9c0"}


def _elmo_options(options):
    """``draw_elmo``'s ``options`` as an ``ElmoOptions``, and the vocabulary size when known."""
    from ..engine.options import ElmoOptions
    from ..registry import OFFICIAL_MODELS, PACKAGE_MODELS, SHIPPED_MODEL

    if options is None or options == SHIPPED_MODEL:
        options = PACKAGE_MODELS / SHIPPED_MODEL
    if isinstance(options, str) and options.startswith("https://tfhub.dev/google/elmo/"):
        options = "original"  # the TF-Hub modules are the original model (4096 units, 512-d projections)
    if isinstance(options, str) and options in OFFICIAL_MODELS:
        return OFFICIAL_MODELS[options][1], None
    if hasattr(options, "bilm"):  # a loaded Elmo
        options = options.bilm.options
    if isinstance(options, (str, Path)):
        path = Path(options)
        folder = path if path.is_dir() else path.parent
        vocab = folder / "vocab.txt"
        size = sum(1 for _ in vocab.open(encoding="utf-8")) if vocab.is_file() else None
        return ElmoOptions.read(path / "options.json" if path.is_dir() else path), size
    return ElmoOptions.from_dict(options), None


def _highlighted(highlight):
    if highlight is None:
        return set(ELMO_PARTS)
    names = [highlight] if isinstance(highlight, str) else list(highlight)
    parts = set()
    for name in names:
        if name in ELMO_PART_GROUPS:
            parts.update(ELMO_PART_GROUPS[name])
        elif name in ELMO_PARTS:
            parts.add(name)
        else:
            raise ValueError(f"unknown part {name!r} to highlight; expected one of "
                             f"{ELMO_PARTS + tuple(ELMO_PART_GROUPS)}")
    return parts


def draw_elmo(options=None, highlight=None, ax=None, vocab_size=None, title=None):
    """One picture of ELMo, bottom to top, with the sizes of ``options`` written in the boxes.

    characters (50 ids per token) -> character CNN -> highway layers -> projection to P (layer 0)
    -> ``n_layers`` LSTM layers per direction (H units, projected to P), forward and backward
    -> the paper's eq. 1 mix gamma * sum_j s_j h_j of the layers, per task. On top of the LSTMs sits
    the softmax over the word vocabulary that only training uses (both directions share it).

    Args:
        options: an ``ElmoOptions``, options.json content, the path of an options.json or of a
            model folder, a loaded ``Elmo``, a model name as ``load_elmo`` takes it (the shipped
            model's, an official one's such as ``"original"``, or a ``google/elmo`` TF-Hub
            handle, which has the original's sizes); default the shipped tiny model.
        highlight: a part name or a list of them: ``"characters"``, ``"char_cnn"``, ``"highway"``,
            ``"projection"``, ``"lstm"``, ``"softmax"``, ``"mix"``, or a group: ``"layer0"`` (the
            context-free token encoder), ``"bilm"`` (all that gives the layers), ``"training"`` (the
            biLM and its softmax: what language-model training learns). The other parts are drawn
            faded. Default: nothing faded.
        ax: draw on this ``Axes`` (its axis lines are turned off); default a new figure.
        vocab_size: written in the softmax box; default read from the model folder's vocab.txt
            when there is one (official models ship none).
        title: default names the parameter count.

    Every box, arrow and text carries its part name as ``gid``. Returns the ``Figure``.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    opts, folder_vocab = _elmo_options(options)
    vocab_size = vocab_size if vocab_size is not None else folder_vocab
    shown = _highlighted(highlight)
    P, H, L = opts.projection_dim, opts.hidden_dim, opts.n_layers
    widths = sorted({width for width, _ in opts.filters})
    if ax is None:
        figure, ax = plt.subplots(figsize=(10, 2.9 + 1.15 * L))
    else:
        figure = ax.figure

    def alpha(part):
        return 1.0 if part in shown else FADED_ALPHA

    def box(part, x, y, w, h, text, size=9, colour=None):
        patch = FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                               facecolor=colour or _PART_COLOURS[part], edgecolor="#444444",
                               linewidth=1.0, alpha=alpha(part), gid=part)
        ax.add_patch(patch)
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size,
                alpha=alpha(part), gid=part)

    def arrow(part, start, end, label=None, style="-|>", **kwargs):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=11, color="#444444",
                                     linewidth=1.0, alpha=alpha(part), gid=part, **kwargs))
        if label:
            ax.text((start[0] + end[0]) / 2 + 0.08, (start[1] + end[1]) / 2, label, fontsize=7.5,
                    color="#555555", va="center", ha="left", alpha=alpha(part), gid=part)

    left, right, half, gap = 0.1, 6.3, 3.0, 0.2  # the biLM column; the LSTMs split it in two
    mix_left, mix_right = 8.5, 10.9
    height, step = 0.62, 0.98
    y_chars, y_cnn, y_highway, y_proj = 0.2, 0.2 + step, 0.2 + 2 * step, 0.2 + 3 * step
    y_lstm = [y_proj + (j + 1.15) * step for j in range(L)]
    y_softmax = y_lstm[-1] + 1.15 * step
    middle = (left + right) / 2

    box("characters", left, y_chars, right - left, height,
        f"characters: each token as 50 character ids, each id a {opts.char_dim}-d embedding")
    arrow("char_cnn", (middle, y_chars + height), (middle, y_cnn))
    width_text = f"{widths[0]}-{widths[-1]}" if len(widths) > 1 else f"{widths[0]}"
    box("char_cnn", left, y_cnn, right - left, height,
        f"character CNN: {opts.n_filters:,} filters of widths {width_text}, max over the token "
        f"→ {opts.n_filters:,}-d")
    arrow("highway", (middle, y_cnn + height), (middle, y_highway))
    box("highway", left, y_highway, right - left, height,
        f"{opts.n_highway} highway layer{'s' if opts.n_highway != 1 else ''} ({opts.n_filters:,}-d)")
    arrow("projection", (middle, y_highway + height), (middle, y_proj))
    box("projection", left, y_proj, right - left, height,
        f"projection to P = {P}: token vector $x_k$ (context-free)")
    previous = y_proj + height
    for j, y in enumerate(y_lstm, start=1):
        residual = " (+ residual)" if opts.use_skip_connections and j > 1 else ""
        for x, name in ((left, "forward"), (left + half + gap, "backward")):
            arrow("lstm", (x + half / 2, previous), (x + half / 2, y))
            box("lstm", x, y, half, height,
                f"{name} LSTM {j} {'→' if name == 'forward' else '←'}{residual}\n{H:,} units, projected to P = {P}",
                size=9)
        previous = y + height
    for x in (left + half / 2, left + half + gap + half / 2):
        arrow("softmax", (x, previous), (x, y_softmax))
    vocab_text = f"{vocab_size:,}-word" if vocab_size else "word"
    box("softmax", left, y_softmax, right - left, height,
        f"training only: a softmax over the {vocab_text} vocabulary, shared by both directions;\n"
        "the forward LM predicts the next word, the backward LM the previous one", size=8.5)

    # the layers h_0 ... h_L, each 2P wide, into the eq. 1 mix on the right
    taps = [(y_proj, f"$h_0 = [x_k; x_k]$, {2 * P}-d\n(word_emb = $x_k$, {P}-d)")]
    taps += [(y, f"$h_{j} = [\\overrightarrow{{h}}_{j}; \\overleftarrow{{h}}_{j}]$, {2 * P}-d\n(lstm_outputs{j})")
             for j, y in enumerate(y_lstm, start=1)]
    mix_bottom, mix_top = y_proj - 0.1, y_lstm[-1] + height + 0.1
    for y, label in taps:
        arrow("mix", (right + 0.05, y + height / 2), (mix_left, y + height / 2))
        ax.text((right + mix_left) / 2, y + height / 2 + 0.06, label, fontsize=8, ha="center", va="bottom",
                color="#333333", alpha=alpha("mix"), gid="mix")
    box("mix", mix_left, mix_bottom, mix_right - mix_left, mix_top - mix_bottom,
        f"eq. 1 mix, learned per task\n\n$\\mathrm{{ELMo}}_k = \\gamma \\sum_{{j=0}}^{{{L}}} s_j\\, h_{{k,j}}$\n\n"
        f"$s = \\mathrm{{softmax}}(w)$:\n{L + 1} weights and $\\gamma$\n\n"
        f"→ {2 * P}-d per token (elmo)\nmean over tokens → default", size=9.5)

    ax.set_xlim(0, 11.0)
    ax.set_ylim(0, y_softmax + height + 0.15)
    ax.set_aspect("auto")
    ax.axis("off")
    ax.set_title(title if title is not None else
                 f"ELMo: {opts.count_parameters():,} biLM parameters (H = {H:,}, P = {P}, "
                 f"{L} LSTM layers per direction)", fontsize=11)
    figure.tight_layout()
    return figure
