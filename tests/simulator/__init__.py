"""A local simulator of the Vobiz voice API, for tests, examples and benchmarks (Python stdlib only)."""

from .server import Simulator

__all__ = ["Simulator"]
