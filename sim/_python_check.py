"""Refuse an unsupported Python with one clear message, before any import that would fail obscurely.

Imported first by ``sim/__init__.py``. pip already refuses to install on Python < 3.12
(``requires-python``); this covers running from a checkout with another interpreter.
"""

import sys

MINIMUM = (3, 12)  # Mesa 3.5 needs 3.12

if sys.version_info[:2] < MINIMUM:
    raise ImportError(
        f"sim needs Python {MINIMUM[0]}.{MINIMUM[1]} or newer; this is Python "
        f"{sys.version.split()[0]} ({sys.executable}). Install 3.12 (the repository's "
        ".python-version selects pyenv's 3.12.1) and run `make run` again."
    )
