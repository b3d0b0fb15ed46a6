"""Issue #10, item 4: how to pay is a workspace setting the API reads and changes."""


def test_payment_instructions_through_the_api(api_as, personas):
    api = api_as(personas.alice)
    url = "/api/v1/workspaces/alice-studio/"
    assert api.get(url).json()["payment_instructions"] == ""
    response = api.patch(url, {"payment_instructions": "IBAN DE89 3704"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["payment_instructions"] == "IBAN DE89 3704"
    personas.a.refresh_from_db()
    assert personas.a.payment_instructions == "IBAN DE89 3704"
    bad = api.patch(url, {"payment_instructions": 7}, format="json")
    assert bad.status_code == 400
