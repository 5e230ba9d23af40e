from django.urls import path

from officeactions.appeals import views

app_name = "appeals"
urlpatterns = [
    path("appeal/", views.appeal_new, name="new"),
    path("appeal/status/<str:token>/", views.appeal_status, name="status"),
    path("appeals/", views.appeal_list, name="list"),
    path("appeals/<str:reference>/", views.appeal_detail, name="detail"),
    path("appeals/<str:reference>/counsel/", views.appeal_counsel, name="counsel"),
    path("appeals/<str:reference>/decision/", views.appeal_decide, name="decide"),
    path("appeals/<str:reference>/lift/", views.appeal_lift, name="lift"),
    path("cases/<str:reference>/modifications/", views.case_modification, name="modification"),
]
