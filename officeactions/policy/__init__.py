"""The office actions policy as pure Python: no Django import anywhere in this package.

Everything here can be read and tested alone; the Django apps read it and never restate it.
"""

from officeactions.policy.catalog import CATALOG, ActionKind, Catalog, Visibility
from officeactions.policy.errors import PolicyRefusal
from officeactions.policy.roles import STAFF_ROLES, Role, Team

__all__ = [
    "CATALOG",
    "STAFF_ROLES",
    "ActionKind",
    "Catalog",
    "PolicyRefusal",
    "Role",
    "Team",
    "Visibility",
]
