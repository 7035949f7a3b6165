"""Family groups and access, at the service level."""

from fgdm.accounts.models import StaffRole
from fgdm.families import service as families_service
from fgdm.families.service import AccessRole
from tests.factories import make_family, make_user


def test_member_reaches_own_family_and_outsider_does_not(db, settings):
    setup = make_family(db, settings)
    outsider = make_user(db, settings, name="Someone else")
    access = families_service.get_access(db, user=setup.parent, family_group_id=setup.id)
    assert access is not None and access.role == AccessRole.family_member
    assert families_service.get_access(db, user=outsider, family_group_id=setup.id) is None


def test_manager_reads_own_teams_families_only(db, settings):
    setup = make_family(db, settings, team="Team A")
    same_team = make_user(db, settings, role=StaffRole.manager, team="Team A")
    other_team = make_user(db, settings, role=StaffRole.manager, team="Team B")
    access = families_service.get_access(db, user=same_team, family_group_id=setup.id)
    assert access is not None and access.role == AccessRole.manager and not access.can_edit
    assert families_service.get_access(db, user=other_team, family_group_id=setup.id) is None


def test_admin_does_not_read_family_content(db, settings):
    setup = make_family(db, settings)
    admin = make_user(db, settings, role=StaffRole.admin)
    assert families_service.get_access(db, user=admin, family_group_id=setup.id) is None
