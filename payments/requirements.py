"""Stripe's requirement keys (`individual.dob.day`) in words a professional understands."""

from __future__ import annotations

PLAIN = {
    "business_profile.mcc": "What kind of business you run",
    "business_profile.url": "Your business website",
    "business_profile.product_description": "A description of what you sell",
    "business_type": "Whether you are an individual or a company",
    "external_account": "The bank account payouts go to",
    "tos_acceptance.date": "Accepting Stripe's terms of service",
    "tos_acceptance.ip": "Accepting Stripe's terms of service",
    "individual.address.city": "Your address",
    "individual.address.line1": "Your address",
    "individual.address.postal_code": "Your address",
    "individual.address.state": "Your address",
    "individual.dob.day": "Your date of birth",
    "individual.dob.month": "Your date of birth",
    "individual.dob.year": "Your date of birth",
    "individual.email": "Your email address",
    "individual.first_name": "Your name",
    "individual.last_name": "Your name",
    "individual.phone": "Your phone number",
    "individual.id_number": "Your identity number",
    "individual.ssn_last_4": "The last 4 digits of your social security number",
    "individual.verification.document": "A photo of an identity document",
    "individual.verification.additional_document": "A second document (proof of address)",
    "company.name": "Your company's name",
    "company.tax_id": "Your company's tax id",
    "company.address.line1": "Your company's address",
    "company.address.city": "Your company's address",
    "company.address.postal_code": "Your company's address",
    "representative.first_name": "Who represents the company",
    "representative.last_name": "Who represents the company",
}


def plain_requirements(keys: list[str]) -> list[str]:
    """Each distinct thing Stripe still needs, in words, in the order Stripe listed it."""
    found: list[str] = []
    for key in keys:
        words = PLAIN.get(str(key)) or str(key).replace(".", " ").replace("_", " ").capitalize()
        if words not in found:
            found.append(words)
    return found
