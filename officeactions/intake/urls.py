from django.urls import path

from officeactions.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.request_new, name="new"),
    path("status/<str:token>/", views.request_status, name="status"),
    path("confirm/<str:signed>/", views.confirm_email, name="confirm"),
]
