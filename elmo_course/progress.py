"""Progress bars that read as progress, in a terminal and in a notebook.

``progress_bar(...)`` takes tqdm's arguments and returns a tqdm bar. In a terminal it is tqdm's
usual bar on stderr. In a Jupyter kernel it writes to stdout instead: JupyterLab shows it as one
line of ordinary output that updates in place (stderr would be a red box, which reads as an
error), and a notebook saved after ``make notebooks`` keeps only the bar's last state. It never
needs ipywidgets (``tqdm.auto`` without them warns on every import).
"""
import sys

from tqdm.std import tqdm


def in_notebook():
    """True inside a Jupyter kernel (ipykernel), where stdout is a notebook output area."""
    shell = sys.modules.get("IPython") and getattr(sys.modules["IPython"], "get_ipython", lambda: None)()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def progress_bar(iterable=None, **kwargs):
    """A tqdm bar (same arguments) on stdout in a notebook, on stderr elsewhere."""
    if in_notebook():
        kwargs.setdefault("file", sys.stdout)
        kwargs.setdefault("ncols", 100)
    return tqdm(iterable, **kwargs)
