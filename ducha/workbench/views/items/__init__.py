"""The item pages of the workbench: the to-do list (home), an item's page and the actions on it, the create and
edit form, attachments. Thin views: forms parse (ducha.workbench.forms.items), services write (a DomainError is
shown next to the form that caused it, with the user's input kept), selectors read and scope."""

from django.urls import path

from ducha.workbench.views.items.editing import deadline_preview, item_create, item_edit, source_hint
from ducha.workbench.views.items.page import attachment_download, attachment_upload, item_act, item_detail
from ducha.workbench.views.items.todo_list import home, todo_progress_form

urlpatterns = [
    path("", home, name="home"),
    path("items/new/", item_create, name="item-create"),
    path("items/deadline-preview/", deadline_preview, name="deadline-preview"),
    path("items/source-hint/", source_hint, name="source-hint"),
    path("items/<int:item_id>/", item_detail, name="item-detail"),
    path("items/<int:item_id>/edit/", item_edit, name="item-edit"),
    path("items/<int:item_id>/act/<str:action>/", item_act, name="item-act"),
    path("items/<int:item_id>/todo-progress/", todo_progress_form, name="item-todo-progress"),
    path("items/<int:item_id>/attachments/", attachment_upload, name="item-attachment-upload"),
    path(
        "items/<int:item_id>/attachments/<int:attachment_id>/",
        attachment_download,
        name="item-attachment-download",
    ),
]
