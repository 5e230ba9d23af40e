from django.urls import path

from officeactions.enforcement import views

# Under cases/ in the "cases" namespace (the shell's urls.py composes them).
case_urlpatterns = [
    path("<str:reference>/enforce/", views.case_enforce, name="enforce"),
    path("<str:reference>/lift/", views.case_lift, name="lift"),
    path("<str:reference>/enforcement/retry/", views.case_retry, name="retry"),
    path("<str:reference>/accounts/", views.case_add_account, name="add-account"),
]
