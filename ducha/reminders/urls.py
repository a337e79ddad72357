"""Web pages of this app (included by ducha/config/urls.py at the site root)."""

from django.urls import path

from ducha.reminders import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:message_id>/", views.inbox_message, name="inbox-message"),
    path("inbox/<int:message_id>/read/", views.inbox_read, name="inbox-read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("inbox/preferences/", views.preferences, name="inbox-preferences"),
    path("items/<int:item_id>/chase/", views.item_chase, name="item-chase"),
    path("reminders/dead-letters/", views.dead_letters, name="dead-letters"),
    path(
        "reminders/dead-letters/<int:delivery_id>/retry/", views.dead_letter_retry, name="dead-letter-retry"
    ),
]
