"""Web pages of this app (included by ducha/config/urls.py)."""

urlpatterns: list = []
