"""twitter-text-parser loads without setuptools, and its stand-in leaves no trace."""

from __future__ import annotations

import json
import subprocess
import sys


def test_loads_without_pkg_resources_and_removes_the_stand_in():
    code = (
        "import sys, json\n"
        "sys.modules['pkg_resources'] = None  # as if setuptools were not installed at all\n"
        "del sys.modules['pkg_resources']\n"
        "import importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name == 'pkg_resources': raise ImportError('no setuptools here')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from bot.platforms.x.rules import x_length\n"
        "n = x_length('hello 👋🏽 https://example.org/a/very/long/path')\n"
        "print(json.dumps([n, 'pkg_resources' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [6 + 2 + 1 + 23, False]
