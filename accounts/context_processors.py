from typing import Any

from django.http import HttpRequest

from accounts.selectors import workspaces_for_user


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The current workspace and the switcher's list (one query, only when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_workspace": getattr(request, "workspace", None),
        "current_membership": getattr(request, "membership", None),
        "user_workspaces": workspaces_for_user(user=user),
    }
