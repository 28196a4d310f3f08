"""keraslab.core.api, the public API: every name it lists is there, and
importing it costs no TensorFlow or NumPy."""

import subprocess
import sys

import pytest

from keraslab.core import api


def test_every_listed_name_resolves():
    missing = [name for name in api.__all__ if getattr(api, name, None) is None]
    assert not missing


def test_the_list_is_the_eager_names_and_the_lazy_ones():
    eager = {
        name
        for name in vars(api)
        if not name.startswith("_") and name not in ("annotations", "importlib", "TYPE_CHECKING", "Any")
    }
    assert set(api.__all__) == (eager - set(api._LAZY)) | set(api._LAZY) | {"__version__"}
    assert len(api.__all__) == len(set(api.__all__))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        api.__getattr__("no_such_name")


def test_importing_the_api_imports_no_tensorflow_or_numpy():
    code = (
        "import sys, keraslab.core.api as api; api.Plugin; api.RunConfig; "
        "print(sorted(m for m in ('tensorflow', 'numpy', 'matplotlib') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
