from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from liaisons.models import Liaison


class LoginLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class LiaisonAdminForm(forms.ModelForm):
    class Meta:
        model = Liaison
        fields = ("name", "email", "municipality", "active")

    def clean_email(self) -> str:
        # Compared in lower case: "Eva@Tranemo.se" is the same liaison as "eva@tranemo.se".
        email = self.cleaned_data["email"].strip().lower()
        taken = Liaison.objects.filter(email=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another liaison already has this email address."))
        return email
