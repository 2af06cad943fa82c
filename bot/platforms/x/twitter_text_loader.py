"""Provide :func:`load_twitter_text`: import twitter-text-parser without setuptools.

twitter-text-parser 3.0.0 reads its emoji table once, at import, with
``pkg_resources.resource_string``. ``pkg_resources`` belongs to setuptools (gone from
setuptools 82 and from many virtualenvs) and costs about 60 ms to import. While
``twitter_text`` imports, a stand-in provides that one function from ``importlib.resources``;
it is removed again afterwards, so nothing else ever sees it.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types


@functools.cache
def load_twitter_text() -> types.ModuleType:
    if "twitter_text" in sys.modules:
        return sys.modules["twitter_text"]
    stand_in = "pkg_resources" not in sys.modules
    if stand_in:
        shim = types.ModuleType("pkg_resources")
        shim.resource_string = _resource_string  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = shim
    try:
        return importlib.import_module("twitter_text")
    finally:
        if stand_in:
            sys.modules.pop("pkg_resources", None)


def _resource_string(module_name: str, resource: str) -> bytes:
    """``pkg_resources.resource_string``: a file beside the module (or in the package) named."""
    import importlib.resources  # only here: it costs ~8 ms to import, and plain posts never get here

    module = sys.modules.get(module_name)
    package = module_name if module is not None and hasattr(module, "__path__") else module_name.rpartition(".")[0]
    return importlib.resources.files(package).joinpath(resource).read_bytes()
