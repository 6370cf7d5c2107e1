"""The options of an ELMo model: what ``options.json`` says, checked once, with the sizes it implies.

Every released ELMo and the course's own models ship an ``options.json`` in bilm-tf's layout::

    {"char_cnn": {"embedding": {"dim": 16}, "filters": [[1, 32], [2, 32], ...], "n_highway": 1,
                  "activation": "relu", "n_characters": 262, "max_characters_per_token": 50},
     "lstm": {"dim": 4096, "projection_dim": 512, "n_layers": 2, "cell_clip": 3, "proj_clip": 3,
              "use_skip_connections": true}, ...}

``ElmoOptions`` is that file as a typed, frozen object: ``ElmoOptions.read(path)`` and
``.write(path)`` move it between disk and memory (keys the course does not use, such as bilm-tf's
training settings, are kept and written back), ``ElmoOptions.build(...)`` makes the options of a
new model, and ``expected_shapes()`` lists the weight matrices the model has, by hdf5 name.
"""
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

ACTIVATIONS = ("relu", "tanh")
N_CHAR_ROWS = 261  # 262 symbols; the all-padding id 0 has no row (it embeds to zeros)
REQUIRED = {
    "char_cnn": ("embedding", "filters", "n_highway", "activation"),
    "lstm": ("dim", "projection_dim", "n_layers"),
}


def lstm_prefix(direction, layer):
    """hdf5 group of one LSTM layer; direction 0 is forward, 1 is backward."""
    return f"RNN_{direction}/RNN/MultiRNNCell/Cell{layer}/LSTMCell"


@dataclass(frozen=True)
class ElmoOptions:
    """The architecture of one biLM. Sizes: H = ``hidden_dim``, P = ``projection_dim``."""

    filters: tuple  # ((width, count), ...) of the character CNN
    n_highway: int
    activation: str
    char_dim: int
    hidden_dim: int
    projection_dim: int
    n_layers: int = 2
    cell_clip: float | None = None
    proj_clip: float | None = None
    use_skip_connections: bool = False
    extra: dict = field(default_factory=dict, compare=False, repr=False)  # other options.json content

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"char_cnn.activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        for name in ("n_highway", "char_dim", "hidden_dim", "projection_dim", "n_layers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < (0 if name == "n_highway" else 1):
                raise ValueError(f"{name} must be a positive whole number, got {value!r}")
        object.__setattr__(self, "filters", tuple((int(w), int(n)) for w, n in self.filters))

    # ---- building ----------------------------------------------------------------------------
    @classmethod
    def build(cls, hidden=256, projection=128, filters=((1, 32), (2, 32), (3, 64), (4, 64), (5, 64)),
              n_highway=1, n_layers=2):
        """A model of the official architecture family (clipping at 3, skip connection, ReLU, 16-d
        characters): the official models differ only in these sizes."""
        return cls(filters=filters, n_highway=n_highway, activation="relu", char_dim=16, hidden_dim=hidden,
                   projection_dim=projection, n_layers=n_layers, cell_clip=3, proj_clip=3,
                   use_skip_connections=True)

    @classmethod
    def from_dict(cls, options, source="options"):
        """From options.json content; a missing key or a bad value is a ValueError naming ``source``."""
        if isinstance(options, cls):
            return options
        if not isinstance(options, dict):
            raise ValueError(f"{source} must be an options.json dict or ElmoOptions, got {type(options).__name__}")
        for section, keys in REQUIRED.items():
            for key in keys:
                if key not in options.get(section, {}):
                    raise ValueError(f"{source} has no '{section}.{key}' entry; is it an ELMo options.json?")
        cnn, lstm = options["char_cnn"], options["lstm"]
        extra = json.loads(json.dumps(options))  # a deep copy of everything, for to_dict
        try:
            return cls(filters=cnn["filters"], n_highway=cnn["n_highway"], activation=cnn["activation"],
                       char_dim=cnn["embedding"]["dim"], hidden_dim=lstm["dim"],
                       projection_dim=lstm["projection_dim"], n_layers=lstm["n_layers"],
                       cell_clip=lstm.get("cell_clip"), proj_clip=lstm.get("proj_clip"),
                       use_skip_connections=bool(lstm.get("use_skip_connections", False)), extra=extra)
        except (TypeError, KeyError, ValueError) as err:
            raise ValueError(f"{source}: {err}") from None

    @classmethod
    def read(cls, path):
        """Load and check an options.json file."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"ELMo options file not found: {path}")
        try:
            options = json.loads(path.read_text())
        except ValueError as err:
            raise ValueError(f"{path} is not valid JSON: {err}") from None
        return cls.from_dict(options, source=str(path))

    def to_dict(self):
        """options.json content: the keys of ``extra`` with this object's values on top."""
        options = json.loads(json.dumps(self.extra))
        options.setdefault("char_cnn", {}).update({
            "embedding": {"dim": self.char_dim}, "filters": [list(f) for f in self.filters],
            "n_highway": self.n_highway, "activation": self.activation, "n_characters": 262,
            "max_characters_per_token": 50})
        lstm = {"dim": self.hidden_dim, "projection_dim": self.projection_dim, "n_layers": self.n_layers,
                "use_skip_connections": self.use_skip_connections}
        lstm.update({k: v for k, v in (("cell_clip", self.cell_clip), ("proj_clip", self.proj_clip)) if v is not None})
        options.setdefault("lstm", {}).update(lstm)
        return options

    def write(self, path):
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    # ---- derived sizes -----------------------------------------------------------------------
    @property
    def n_filters(self):
        """Width of the character CNN's output: all filters together."""
        return sum(count for _, count in self.filters)

    @property
    def output_dim(self):
        """Size of an ELMo vector: forward and backward halves, 2P."""
        return 2 * self.projection_dim

    def expected_shapes(self):
        """The shape of every weight of the model, keyed by hdf5 dataset name (see ``weight_files``)."""
        shapes = {"char_embed": (N_CHAR_ROWS, self.char_dim)}
        for i, (width, count) in enumerate(self.filters):
            shapes[f"CNN/W_cnn_{i}"] = (1, width, self.char_dim, count)
            shapes[f"CNN/b_cnn_{i}"] = (count,)
        for k in range(self.n_highway):
            for gate in ("carry", "transform"):
                shapes[f"CNN_high_{k}/W_{gate}"] = (self.n_filters, self.n_filters)
                shapes[f"CNN_high_{k}/b_{gate}"] = (self.n_filters,)
        if self.n_filters != self.projection_dim:  # bilm-tf projects only when the sizes differ
            shapes["CNN_proj/W_proj"] = (self.n_filters, self.projection_dim)
            shapes["CNN_proj/b_proj"] = (self.projection_dim,)
        for direction in (0, 1):
            for layer in range(self.n_layers):
                prefix = lstm_prefix(direction, layer)
                shapes[f"{prefix}/W_0"] = (2 * self.projection_dim, 4 * self.hidden_dim)
                shapes[f"{prefix}/B"] = (4 * self.hidden_dim,)
                shapes[f"{prefix}/W_P_0"] = (self.hidden_dim, self.projection_dim)
        return shapes

    def count_parameters(self):
        """Number of biLM parameters: the character table, CNN, highway, projection and LSTMs."""
        return sum(math.prod(shape) for shape in self.expected_shapes().values())


def read_options(path):
    """``ElmoOptions.read(path)``: load and check an options.json file."""
    return ElmoOptions.read(path)


def count_parameters(options):
    """Number of biLM parameters of ``options`` (ElmoOptions or options.json content)."""
    return ElmoOptions.from_dict(options).count_parameters()
