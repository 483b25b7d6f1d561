from django import forms


class ReviewForm(forms.Form):
    # Far more than a reflection holds (5,000), and a bound on the work one request asks.
    text = forms.CharField(required=False, strip=False, max_length=20_000)
