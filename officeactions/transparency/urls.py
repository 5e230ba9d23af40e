from django.urls import path

from officeactions.transparency import views

app_name = "transparency"
urlpatterns = [
    path("transparency/office-actions/", views.office_actions_log, name="log"),
    path("transparency/global-bans/", views.global_bans, name="global-bans"),
]
