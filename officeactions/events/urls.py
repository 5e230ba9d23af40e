from django.urls import path

from officeactions.events import views

app_name = "events"
urlpatterns = [
    path("", views.event_index, name="index"),
    path("mine/", views.my_lists, name="mine"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/organisers/", views.designate, name="designate"),
    path("<int:pk>/organisers/<int:designation_pk>/revoke/", views.revoke, name="revoke"),
    path("list/<str:token>/", views.event_list, name="list"),
    path("list/<str:token>/check-in/", views.check_in, name="check-in"),
    path("list/<str:token>/photos/<int:scope_id>/", views.list_photo, name="list-photo"),
    path("cases/<str:reference>/scope/", views.scope_record, name="scope"),
    path("cases/<str:reference>/photo/", views.photo_upload, name="photo-upload"),
    path("cases/<str:reference>/photo/view/", views.case_photo, name="case-photo"),
    path("cases/<str:reference>/issue/", views.issue, name="issue"),
    path(
        "cases/<str:reference>/led-to-global-ban/",
        views.led_to_global_ban,
        name="led-to-global-ban",
    ),
]
