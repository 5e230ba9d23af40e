from django.urls import path

from officeactions.bancheck import views

app_name = "bancheck"
urlpatterns = [path("check/", views.check_page, name="check")]
