from django.urls import path

from . import views

app_name = "pilot"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("requests/new/", views.create_requests, name="create"),
    path("requests/mine/", views.my_requests, name="mine"),
    path("requests/<uuid:request_id>/", views.request_detail, name="request"),
    path("requests/<uuid:request_id>/close/", views.close_request, name="close"),
    path("readiness/", views.readiness_check, name="readiness"),
    path("preferences/", views.preferences, name="preferences"),
]
