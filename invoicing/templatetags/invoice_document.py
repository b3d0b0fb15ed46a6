import base64
import mimetypes

from django import template
from django.core.files.storage import default_storage

register = template.Library()


@register.filter
def logo_data_uri(name: str) -> str:
    """The stored logo inline as a data: URI. The document fetches nothing (the PDF renders
    offline, the client's page must not reach the app's media), and its output depends on
    the logo's content only."""
    if not name or not default_storage.exists(name):
        return ""
    with default_storage.open(name, "rb") as file:
        data = base64.b64encode(file.read()).decode()
    return f"data:{mimetypes.guess_type(name)[0] or 'image/png'};base64,{data}"
