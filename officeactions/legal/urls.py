from django.urls import path

from officeactions.legal import views

app_name = "legal"
urlpatterns = [
    path("legal/dmca/", views.notice_new, name="notice"),
    path("legal/counter-notice/", views.counter_notice_new, name="counter-notice"),
    path("transparency/dmca/", views.dmca_log, name="dmca-log"),
    path("transparency/dmca.json", views.dmca_lumen, name="dmca-lumen"),
]
