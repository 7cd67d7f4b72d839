"""Posting a Django form back the way a browser would."""

from django import forms


def form_data(form) -> dict:
    """What a browser posts back for an unbound form, unchanged."""
    data = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        else:
            data[key] = "" if value is None else str(value)
    return data
