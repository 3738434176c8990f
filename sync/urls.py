from django.urls import path

from sync import views

app_name = "sync"

urlpatterns = [
    path("webhooks", views.receive, name="webhooks"),
]
