"""An engagement's status is a dated fact: ending needs its end date, pausing and resuming
their day; none of them may reach into an invoiced period or strand logged time; time
cannot be logged on a paused day; a proposal's engagement follows its proposal. Through
the services, the API and the pages alike, refusals are field errors, never 500s."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scopes_disabled

from engagements import services
from engagements.models import EngagementPause, EngagementStatus, PayModel
from invoicing import services as invoicing
from tests.api import attrs
from tests.api import url as api_url
from tests.engagements.api_helpers import detail
from tests.engagements.billing_helpers import log, make

S = EngagementStatus


@pytest.fixture
def retainer(scoped, client_a):
    return make(
        scoped,
        client_a,
        PayModel.RETAINER,
        start_date=dt.date(2026, 9, 1),
        retainer_fee=D("1000"),
        retainer_included_hours=D("10"),
        retainer_overage_rate=D("100"),
        billing_day=1,
    )


def invoiced_through_october(scoped, retainer):
    """Fees for September to November (as of 2 Nov) and October's overage, finalised."""
    log(scoped, retainer, dt.date(2026, 10, 5), 12 * 60)
    invoice = invoicing.invoice_create_draft(
        workspace=scoped.a, actor=scoped.alice, client=retainer.client
    )
    invoicing.invoice_add_unbilled(
        invoice=invoice, actor=scoped.alice, engagement=retainer, as_of=dt.date(2026, 11, 2)
    )
    return invoicing.invoice_finalize(invoice=invoice, actor=scoped.alice)


def pauses(engagement):
    return list(
        EngagementPause.objects.filter(engagement=engagement).values_list("start_date", "end_date")
    )


def test_pause_and_resume_are_dated_ranges(scoped, retainer):
    services.engagement_pause(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 10, 10))
    assert pauses(retainer) == [(dt.date(2026, 10, 10), None)]
    with pytest.raises(ValidationError, match="Already paused"):
        services.engagement_pause(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 11, 1))
    with pytest.raises(ValidationError, match="paused on this day"):
        log(scoped, retainer, dt.date(2026, 10, 20), 60)
    resumed = services.engagement_resume(
        engagement=retainer, actor=scoped.alice, on=dt.date(2026, 11, 2)
    )
    assert resumed.status == S.ACTIVE
    assert pauses(retainer) == [(dt.date(2026, 10, 10), dt.date(2026, 11, 1))]
    log(scoped, retainer, dt.date(2026, 11, 2), 60)  # the first day back is active
    with pytest.raises(ValidationError, match="pause later"):  # pauses never overlap
        services.engagement_pause(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 11, 1))
    # A pause resumed on its first day covered no day: it is gone.
    services.engagement_pause(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 12, 1))
    services.engagement_resume(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 12, 1))
    assert len(pauses(retainer)) == 1


def test_no_change_of_dates_strands_logged_time(scoped, retainer):
    log(scoped, retainer, dt.date(2026, 10, 20), 60)
    with pytest.raises(ValidationError) as refused:
        services.engagement_pause(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 10, 1))
    assert refused.value.message_dict == {
        "status_on": ["Time is logged on 20 Oct 2026, in the pause: pause from later."]
    }
    with pytest.raises(ValidationError) as refused:
        services.engagement_end(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 10, 19))
    assert set(refused.value.message_dict) == {"end_date"}
    services.engagement_end(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 10, 20))


def test_dates_cannot_reach_into_an_invoiced_period(scoped, retainer):
    invoice = invoiced_through_october(scoped, retainer)  # November's fee too
    for change in (
        lambda: services.engagement_pause(
            engagement=retainer, actor=scoped.alice, on=dt.date(2026, 11, 20)
        ),
        lambda: services.engagement_end(
            engagement=retainer, actor=scoped.alice, on=dt.date(2026, 11, 15)
        ),
        lambda: services.engagement_update(
            engagement=retainer, actor=scoped.alice, end_date=dt.date(2026, 10, 31)
        ),
    ):
        with pytest.raises(ValidationError) as refused:
            change()
        (messages,) = refused.value.message_dict.values()
        assert messages == [
            f"The periods up to 30 Nov 2026 are already invoiced ({invoice.number}); void "
            "that invoice to change it; choose a later date."
        ]
    ended = services.engagement_end(
        engagement=retainer, actor=scoped.alice, on=dt.date(2026, 11, 30)
    )
    # Reopening would add days to November, whose fee was invoiced for 30 of 30 days…
    # which it already has: the end was the period's last day, so nothing invoiced moves.
    reopened = services.engagement_update(engagement=ended, actor=scoped.alice, status=S.ACTIVE)
    assert (reopened.status, reopened.end_date) == (S.ACTIVE, None)
    services.engagement_pause(engagement=reopened, actor=scoped.alice, on=dt.date(2026, 12, 1))


def test_ending_closes_an_open_pause(scoped, retainer):
    services.engagement_pause(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 10, 10))
    services.engagement_end(engagement=retainer, actor=scoped.alice, on=dt.date(2026, 10, 31))
    assert pauses(retainer) == [(dt.date(2026, 10, 10), dt.date(2026, 10, 31))]
    with pytest.raises(ValidationError, match="Reopen it"):
        services.engagement_update(
            engagement=retainer,
            actor=scoped.alice,
            status=S.PAUSED,
            status_on=dt.date(2026, 11, 1),
        )


def test_statuses_a_person_cannot_set(scoped, client_a):
    with pytest.raises(ValidationError) as refused:
        make(scoped, client_a, PayModel.FIXED_FEE, status=S.ENDED)
    assert set(refused.value.message_dict) == {"end_date"}
    with pytest.raises(ValidationError) as refused:
        make(scoped, client_a, PayModel.FIXED_FEE, status=S.PAUSED)
    assert set(refused.value.message_dict) == {"status"}
    fixed = make(scoped, client_a, PayModel.FIXED_FEE)
    with pytest.raises(ValidationError) as refused:
        services.engagement_update(engagement=fixed, actor=scoped.alice, status=S.PROPOSED)
    assert set(refused.value.message_dict) == {"status"}
    proposal = services.proposal_create(
        workspace=scoped.a,
        actor=scoped.alice,
        client=client_a,
        title="Audit",
        scope="x",
        pay_model=PayModel.FIXED_FEE,
        start_date=dt.date(2031, 1, 6),
    )
    with pytest.raises(ValidationError, match="proposal decides"):
        services.engagement_update(
            engagement=proposal.engagement, actor=scoped.alice, status=S.ACTIVE
        )
    services.proposal_withdraw(proposal=proposal, actor=scoped.alice)
    proposal.engagement.refresh_from_db()
    assert proposal.engagement.end_date == dt.date(2031, 1, 6)  # withdrawn before it began
    with pytest.raises(ValidationError, match="never bills"):
        services.engagement_update(
            engagement=proposal.engagement, actor=scoped.alice, status=S.ACTIVE
        )


# --- Through the API and the pages ----------------------------------------------------------
def test_api_pauses_with_a_day_and_names_the_invoice_when_refused(bob, personas, scoped, retainer):
    invoice = invoiced_through_october(scoped, retainer)
    path = api_url("engagements", retainer.pk)
    assert attrs(bob.patch(path, {"status": "paused"})) == {"status_on"}
    refused = bob.patch(path, {"status": "paused", "status_on": "2026-11-20"})
    assert attrs(refused) == {"status_on"}
    assert f"already invoiced ({invoice.number})" in detail(refused)
    paused = bob.patch(path, {"status": "paused", "status_on": "2026-12-01"})
    assert paused.status_code == 200, paused.json()
    assert paused.json()["pauses"] == [{"start_date": "2026-12-01", "end_date": None}]
    assert "status_on" not in paused.json()
    time = bob.post(
        api_url("time-entries"), {"engagement": retainer.pk, "date": "2026-12-03", "minutes": 30}
    )
    assert attrs(time) == {"date"}
    statements = bob.get(
        api_url("engagements", retainer.pk, "retainer-statements"), {"until": "2026-12-20"}
    ).json()
    assert (statements[-1]["period_days"], statements[-1]["active_days"]) == (31, 0)


def test_page_shows_a_refused_pause_on_the_form(client, personas, scoped, retainer):
    invoiced_through_october(scoped, retainer)
    client.force_login(personas.alice)
    response = client.post(
        reverse("engagements:engagement_edit", args=[personas.a.slug, retainer.pk]),
        {
            "client": retainer.client_id,
            "name": retainer.name,
            "pay_model": "retainer",
            "currency": "USD",
            "start_date": "2026-09-01",
            "retainer_fee": "1000",
            "retainer_included_hours": "10",
            "retainer_overage_rate": "100",
            "billing_day": "1",
            "status": "paused",
            "status_on": "2026-11-20",
        },
    )
    assert response.status_code == 200
    assert "already invoiced" in str(response.context["form"].errors["status_on"])
    with scopes_disabled():
        assert not EngagementPause.objects.exists()
