"""hrm-ray: fine-tune, search and serve HR task models on Ray."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hrm-ray")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
