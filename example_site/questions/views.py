"""Read-only forum pages, so a chat handed off to the forum can be followed there."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Question


def question_list(request: HttpRequest, locale: str) -> HttpResponse:
    questions = Question.objects.filter(locale=locale).select_related("creator", "product")[:50]
    return render(request, "questions/question_list.html", {"questions": questions})


def question_details(request: HttpRequest, locale: str, question_id: int) -> HttpResponse:
    question = get_object_or_404(
        Question.objects.select_related("creator", "product", "topic"),
        pk=question_id,
        locale=locale,
    )
    metadata = sorted(question.metadata.items())
    return render(
        request, "questions/question_details.html", {"question": question, "metadata": metadata}
    )
