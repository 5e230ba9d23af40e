from django.urls import path

from officeactions.cases import views

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/steps/<str:name>/", views.case_transition, name="transition"),
    path("<str:reference>/proposal/", views.case_propose, name="propose"),
    path("<str:reference>/review/", views.case_review, name="review"),
    path("<str:reference>/evidence/", views.case_evidence, name="evidence"),
    path("<str:reference>/assign/", views.case_assign, name="assign"),
    path("<str:reference>/subject/", views.case_subject, name="subject"),
    path("<str:reference>/delay/", views.case_delay, name="delay"),
    path("<str:reference>/second-review/", views.case_follow_up, name="follow-up"),
]
