"""Roles are Django groups named after the policy's roles (``officeactions.policy.Role``)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, User

from officeactions.policy import STAFF_ROLES, Role

# The attribute of a user object that keeps its roles once read (through Django's lazy
# request.user too, which passes attributes on to the user it wraps).
_CACHED = "_officeactions_roles"


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The roles a user holds, read once per user object."""
    if not user.is_authenticated or not user.is_active or not isinstance(user, User):
        return frozenset()
    cached: frozenset[Role] | None = getattr(user, _CACHED, None)
    if cached is None:
        known = {r.value for r in Role}
        names = user.groups.values_list("name", flat=True)
        cached = frozenset(Role(n) for n in names if n in known)
        setattr(user, _CACHED, cached)
    return cached


def is_staff_member(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user_roles(user) & STAFF_ROLES)


def role_grant(*, user: User, role: Role) -> None:
    group, _ = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    user.__dict__.pop(_CACHED, None)


def role_revoke(*, user: User, role: Role) -> None:
    user.groups.remove(Group.objects.get(name=role.value))
    user.__dict__.pop(_CACHED, None)
