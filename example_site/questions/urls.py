from django.urls import path

from . import views

urlpatterns = [
    path("<locale:locale>/questions/", views.question_list, name="questions.list"),
    path(
        "<locale:locale>/questions/<int:question_id>",
        views.question_details,
        name="questions.details",
    ),
]
