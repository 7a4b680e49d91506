"""Typed clients of the external systems, one package per system. No Prefect imports here:
a client works the same from a flow, a notebook or a script."""

import warnings

from authlib.deprecate import AuthlibDeprecationWarning

# authlib prefers the `httpx2` fork and warns when it falls back to httpx, which is what
# ion-sync uses (and must: the connectors catch httpx's exceptions). Do not install httpx2.
warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=AuthlibDeprecationWarning)
