"""The user's own account and its security: password, sign-in history, second factor, sessions, API tokens; the
office's unlock of a locked account."""

from ducha.workbench.views.account import otp, passwords, sessions, tokens

urlpatterns = [*passwords.urlpatterns, *otp.urlpatterns, *sessions.urlpatterns, *tokens.urlpatterns]
