from django.urls import path

from . import views

urlpatterns = [
    path("<locale:locale>/user/<str:username>", views.profile, name="users.profile"),
]
