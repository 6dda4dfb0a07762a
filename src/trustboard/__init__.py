"""trustboard: NHS trust Board performance and assurance reporting.

The pieces most scripts need are :mod:`trustboard.spc` (statistical process control in the
Making Data Count style) and :mod:`trustboard.waits` (waiting times from patient-level data).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trustboard")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
