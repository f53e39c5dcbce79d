from django.urls import path

from . import views

urlpatterns = [
    path("<locale:locale>/kb/<str:slug>", views.document, name="wiki.document"),
    path("<locale:locale>/kb/<str:slug>/vote", views.vote, name="wiki.document_vote"),
]
