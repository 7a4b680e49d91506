"""Odoo's errors in the shared vocabulary (connectors/errors.py).

Both transports name the Python exception that stopped the call (JSON-2: the body's `name`;
JSON-RPC: `error.data.name`), and the call's transaction was rolled back (README, [ODOO-JSON2]
"Transaction", [ODOO-HTTP]). The name decides:

| Odoo exception                                   | ion-sync error   | why |
|--------------------------------------------------|------------------|-----|
| `odoo.exceptions.AccessDenied`, werkzeug `Unauthorized` | AuthError | the API key or login was refused |
| `odoo.exceptions.AccessError`                    | ConfigError      | the bot user lacks a right: grant it, nothing else helps |
| werkzeug `NotFound` (no such model or method)    | ConfigError      | an app (Purchase, Inventory, Manufacturing, Timesheets) is not installed |
| `ValidationError`, `UserError`, `MissingError`, `ValueError` | DataError | this record was refused, in Odoo's own words |
| any other server-side exception                  | TransientError   | rolled back (serialization failure, a worker lost): try again |
"""

from __future__ import annotations

from connectors.errors import AuthError, ConfigError, DataError, SyncError, TransientError

AUTH = ("odoo.exceptions.AccessDenied", "werkzeug.exceptions.Unauthorized")
CONFIG = ("odoo.exceptions.AccessError", "werkzeug.exceptions.NotFound", "werkzeug.exceptions.Forbidden")
DATA = (
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.UserError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.RedirectWarning",
    "builtins.ValueError",
    "ValueError",
    "werkzeug.exceptions.UnprocessableEntity",
)
SETTINGS_HINT = "check ODOO_URL, ODOO_DATABASE, ODOO_USERNAME and ODOO_API_KEY (keys expire after at most 3 months)"


def odoo_error(name: str, message: str, what: str, status: int | None = None) -> SyncError:
    """The shared error for Odoo's exception `name` raised by the call `what` ("stock.picking.button_validate")."""
    text = f"Odoo {what}: {message.strip() or name}"
    if name in AUTH or status == 401:
        return AuthError(f"Odoo refused the credentials ({message.strip() or name}): {SETTINGS_HINT}")
    if name in CONFIG or status == 403:
        return ConfigError(f"{text} ({name}): grant the ion-sync user this access or install the app, then run again")
    if name in DATA or status == 422:
        return DataError(text, code=name.rsplit(".", 1)[-1], status=status)
    return TransientError(f"{text} ({name})")
