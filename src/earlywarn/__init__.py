"""earlywarn: early warning of service failure in English councils.

Nothing runs at import; heavy libraries are imported inside the functions that need them.
"""

from earlywarn.errors import UserInputError
from earlywarn.schema import Tables
from earlywarn.sources.bundle import load_real_tables

__all__ = ["Tables", "UserInputError", "__version__", "load_real_tables"]

__version__ = "0.1.0"
