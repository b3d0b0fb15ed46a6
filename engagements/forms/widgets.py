"""Widgets the engagements forms share."""

from __future__ import annotations

from django import forms

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
