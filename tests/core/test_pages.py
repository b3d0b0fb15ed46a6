import pytest

from core.pages import role_required


@pytest.mark.parametrize("role", ["read", "write", "manage"])
def test_known_role_requirements_are_accepted(role):
    assert callable(role_required(role))


@pytest.mark.parametrize("role", ["admin", "owner", "", "Read"])
def test_an_unknown_role_requirement_is_refused_at_import(role):
    """A typo must fail when the view module is imported, not let everyone in."""
    with pytest.raises(ValueError, match="Unknown role requirement"):
        role_required(role)
