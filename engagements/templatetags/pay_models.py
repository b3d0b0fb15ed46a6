"""`{{ engagement.pay_model|pay_model_short }}`: a pay model's name for badges."""

from django import template

register = template.Library()

SHORT_PAY_MODELS = {
    "hourly": "Hourly",
    "fixed_fee": "Fixed fee",
    "retainer": "Retainer",
    "bounty": "Bounty",
    "revenue_share": "Revenue share",
}


@register.filter
def pay_model_short(value: str) -> str:
    """A pay model's name for badges and narrow columns."""
    return SHORT_PAY_MODELS.get(value, value)
