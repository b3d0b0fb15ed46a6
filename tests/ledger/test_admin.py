"""The operators' admin shows the ledger across workspaces and offers no way to change it."""

from django.db import transaction

from ledger.posting import post
from tests.factories import UserFactory
from tests.ledger.conftest import DAY, finalize_legs


def test_the_admin_reads_the_ledger_and_cannot_change_it(client, ws, other):
    with transaction.atomic():
        mine = post(workspace=ws, kind="invoice.finalize", on=DAY, legs=finalize_legs("1", "0"))
        post(workspace=other, kind="invoice.finalize", on=DAY, legs=finalize_legs("2", "0"))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/ledger/ledgertransaction/")
    assert listing.status_code == 200
    assert listing.content.count(b"invoice.finalize") >= 2  # both workspaces
    assert client.get("/admin/ledger/account/").status_code == 200
    detail = client.get(f"/admin/ledger/ledgertransaction/{mine.pk}/change/")
    assert detail.status_code == 200 and b"receivable" in detail.content
    assert b'name="_save"' not in detail.content

    assert client.get("/admin/ledger/account/add/").status_code == 403
    assert client.get("/admin/ledger/ledgertransaction/add/").status_code == 403
    assert client.get(f"/admin/ledger/ledgertransaction/{mine.pk}/delete/").status_code == 403
    assert client.post(f"/admin/ledger/ledgertransaction/{mine.pk}/change/", {}).status_code == 403
