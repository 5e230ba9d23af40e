from django.contrib.auth import views as auth_views
from django.urls import path

from officeactions.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("tokens/", views.api_tokens, name="api-tokens"),
]
