"""The claims the provider releases: the standard ones from the user's row, and `groups`
(the user's Django groups here) for the scope of that name."""

from typing import Any

from oidc_provider.lib.claims import ScopeClaims


def userinfo(claims: dict[str, Any], user: Any) -> dict[str, Any]:
    claims.update(
        preferred_username=user.username,
        given_name=user.first_name,
        family_name=user.last_name,
        name=user.get_full_name(),
        email=user.email,
        email_verified=True,
    )
    return claims


class GroupsScopeClaims(ScopeClaims):
    info_groups = ("Groups", "The groups you belong to.")

    def scope_groups(self) -> dict[str, Any]:
        return {"groups": sorted(self.user.groups.values_list("name", flat=True))}
