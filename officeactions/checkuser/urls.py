from django.urls import path

from officeactions.checkuser import views

app_name = "checkuser"
urlpatterns = [
    path("cases/<str:reference>/checkuser/", views.entry_new, name="new"),
    path("cases/<str:reference>/checkuser/<int:pk>/share/", views.entry_share, name="share"),
    path(
        "cases/<str:reference>/checkuser/<int:pk>/withhold/", views.entry_withhold, name="withhold"
    ),
]
