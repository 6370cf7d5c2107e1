"""How nbval runs the lessons: the lessons that read token-level data (UD English-EWT, Universal NER)
get it offline from ``../shared/data`` when that folder exists and ``ELMO_COURSE_DATA`` is not set
(as ``make`` does), and are skipped, with the reason, when the data is neither there nor cached."""
import os
from pathlib import Path

import pytest

from elmo_course import registry

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# lesson file name -> the DOWNLOADS entries it reads
NEEDS_DATA = {"07_what_each_layer_knows.ipynb": ("ud-ewt-dev", "ud-ewt-test", "uner-ewt-dev", "uner-ewt-test")}

if registry.DATA_ENV_VAR not in os.environ and SHARED_DATA.is_dir():
    os.environ[registry.DATA_ENV_VAR] = str(SHARED_DATA)  # the kernels nbval starts inherit it


def pytest_collection_modifyitems(config, items):
    for item in items:
        missing = [name for name in NEEDS_DATA.get(item.path.name, ()) if registry.local_copy(name) is None]
        if missing:
            item.add_marker(pytest.mark.skip(
                reason=f"needs {', '.join(missing)}: set {registry.DATA_ENV_VAR} to a folder with a copy "
                       f"(see elmo_course/registry.py) or download them once with the network"))
