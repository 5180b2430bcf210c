"""Per-domain additions to the tenancy/role matrix and the Schemathesis seed.

Each domain that adds /api/v1 routes gets a module here exposing a `MATRIX = Domain(...)`:
its RULES (which permission each route needs, a valid body), the rows it seeds into a
workspace (ids by path-parameter name, plus strings that appear only in that workspace's
rows), and any extra list filters. `DOMAINS` below names the modules; the matrix test and the
Schemathesis test both read them, so a domain's routes are classified and seeded in one place.
"""

from __future__ import annotations

import importlib
import pkgutil

from tests.matrix.base import Domain

DOMAINS: tuple[Domain, ...] = tuple(
    importlib.import_module(f"tests.matrix.{m.name}").MATRIX
    for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    if m.name != "base"
)
