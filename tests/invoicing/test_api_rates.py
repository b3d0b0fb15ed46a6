"""The invoicing API for tax and exchange rates, and the all-or-nothing rates import."""

from __future__ import annotations

from invoicing.models import ExchangeRate, TaxRate
from tests.api import attrs, url
from tests.invoicing.api_helpers import count


# --- Tax and exchange rates ----------------------------------------------------------------
def test_tax_rates_create_edit_archive(bob, personas):
    created = bob.post(url("tax-rates"), {"name": "GST", "percent": "10", "inclusive": True})
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    edited = bob.patch(url("tax-rates", pk), {"percent": "12.5"})
    assert edited.status_code == 200 and edited.json()["percent"] == "12.500"
    archived = bob.patch(url("tax-rates", pk), {"archived": True})
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert bob.get(url("tax-rates"), {"archived": "false"}).json()["results"] == []
    assert bob.delete(url("tax-rates", pk)).status_code == 405
    assert attrs(bob.post(url("tax-rates"), {"name": "Bad", "percent": "120"})) == {"percent"}
    assert attrs(bob.post(url("tax-rates"), {"percent": "5"})) == {"name"}
    assert count(TaxRate) == 1


def test_exchange_rates_create_replace_filter(bob, personas):
    first = bob.post(
        url("exchange-rates"), {"currency": "EUR", "date": "2026-11-01", "rate": "1.08"}
    )
    assert first.status_code == 201, first.json()
    replaced = bob.post(
        url("exchange-rates"), {"currency": "EUR", "date": "2026-11-01", "rate": "1.09"}
    )
    assert replaced.status_code == 201 and replaced.json()["id"] == first.json()["id"]
    bob.post(url("exchange-rates"), {"currency": "GBP", "date": "2026-11-20", "rate": "1.25"})
    rates = bob.get(url("exchange-rates"), {"currency": "EUR"}).json()["results"]
    assert [(r["date"], r["rate"]) for r in rates] == [("2026-11-01", "1.0900000000")]
    later = bob.get(url("exchange-rates"), {"date_after": "2026-11-10"}).json()["results"]
    assert [r["currency"] for r in later] == ["GBP"]
    base = bob.post(url("exchange-rates"), {"currency": "USD", "date": "2026-11-01", "rate": "1"})
    assert attrs(base) == {"currency"}
    assert attrs(
        bob.post(url("exchange-rates"), {"currency": "EUR", "date": "2026-11-02", "rate": "0"})
    ) == {"rate"}
    assert count(ExchangeRate) == 2


def test_api_rates_import_all_or_nothing(api_as, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_as(personas.alice)
    url = "/api/v1/workspaces/alice-studio/exchange-rates/import/"
    good = SimpleUploadedFile(
        "r.csv", b"date,currency,rate\n2026-11-01,EUR,1.08\n2026-11-02,GBP,1.27\n"
    )
    assert client.post(url, {"file": good}, format="multipart").json() == {"imported": 2}
    bad = SimpleUploadedFile(
        "r.csv", b"date,currency,rate\n2026-11-03,EUR,1.09\n2026-11-04,XXX,1\n"
    )
    response = client.post(url, {"file": bad}, format="multipart")
    assert response.status_code == 400 and "Row 3" in response.json()["errors"][0]["detail"]
    listing = client.get("/api/v1/workspaces/alice-studio/exchange-rates/").json()
    assert len(listing["results"]) == 2 and listing["next"] is None
