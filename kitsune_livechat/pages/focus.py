"""Focus campaign pages for operators: list, create, edit, schedule, pause, end, preview.

Thin doors over ``services.line.focus``: the forms only turn fields into the lists and dicts the
service takes, and show its refusals next to the form. People with ``livechat.manage_focus``,
chat supervisors and staff may use them.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ..callers import page_caller
from ..exceptions import LivechatError
from ..host import get_host_adapter
from ..locales import current_locale
from ..services.insights.filters import queue_choices
from ..services.line import focus as focus_service
from ..services.shared.roles import is_operator
from .chat import _page_urls, supported_locale


def operator_required(view):
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not is_operator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _other_locales() -> list[tuple[str, str]]:
    """Languages a label can be translated into (the default label is in the site's own)."""
    return [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


class FocusForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Invitation"),
        help_text=gettext_lazy("Shown on the chat button and above the questions."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    articles = forms.CharField(
        label=gettext_lazy("Articles (ids, separated by commas)"), required=False
    )
    products = forms.MultipleChoiceField(
        label=gettext_lazy("Products"), widget=forms.CheckboxSelectMultiple, required=False
    )
    locales = forms.MultipleChoiceField(
        label=gettext_lazy("Languages"), widget=forms.CheckboxSelectMultiple, required=False
    )
    browser_versions = forms.CharField(
        label=gettext_lazy("Browsers and versions"),
        help_text=gettext_lazy('One per line: "Firefox", "Firefox 128" or "Firefox 115-128".'),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    starts = forms.DateTimeField(
        label=gettext_lazy("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
    )
    ends = forms.DateTimeField(
        label=gettext_lazy("Ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        required=False,
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Most chats to collect"), min_value=1, required=False
    )
    queue = forms.ChoiceField(label=gettext_lazy("Queue"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = get_host_adapter().products()
        self.fields["locales"].choices = settings.LANGUAGES
        self.fields["queue"].choices = [("", _("The usual routing")), *queue_choices()]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "articles": _lines(data["articles"]),
            "products": data["products"],
            "locales": data["locales"],
            "browser_versions": [
                line.strip() for line in data["browser_versions"].splitlines() if line.strip()
            ],
            "starts": data["starts"],
            "ends": data["ends"],
            "capacity": data["capacity"],
            "queue": data["queue"],
        }


class QuestionForm(forms.Form):
    key = forms.CharField(
        label=gettext_lazy("Key"),
        max_length=50,
        help_text=gettext_lazy("Lowercase letters, digits and _; the CSV column."),
    )
    label = forms.CharField(label=gettext_lazy("Question"), max_length=300)
    type = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[
            ("choice", gettext_lazy("Choice")),
            ("yesno", gettext_lazy("Yes or no")),
            ("text", gettext_lazy("Text")),
        ],
    )
    choices = forms.CharField(
        label=gettext_lazy("Choices (one per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, name in _other_locales():
            self.fields[f"label_{code}"] = forms.CharField(
                label=_("Question in %(language)s") % {"language": name},
                max_length=300,
                required=False,
            )
            self.fields[f"choices_{code}"] = forms.CharField(
                label=_("Choices in %(language)s (one per line)") % {"language": name},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
            )

    def question(self) -> dict[str, Any]:
        data = self.cleaned_data
        locales = [code for code, _name in _other_locales()]
        return {
            "key": data["key"],
            "label": data["label"],
            "type": data["type"],
            "required": data["required"],
            "choices": _lines(data["choices"]) if data["type"] == "choice" else [],
            "labels": {code: data.get(f"label_{code}", "") for code in locales},
            "choice_labels": {
                code: [c.strip() for c in data.get(f"choices_{code}", "").splitlines() if c.strip()]
                for code in locales
            }
            if data["type"] == "choice"
            else {},
        }


QuestionFormSet = forms.formset_factory(QuestionForm, extra=0, can_delete=True)


def _question_initial(question: dict) -> dict[str, Any]:
    initial = {
        "key": question["key"],
        "label": question.get("label", ""),
        "type": question.get("type", "text"),
        "required": bool(question.get("required")),
        "choices": "\n".join(focus_service.choice_values(question)),
    }
    for code, labels in (question.get("choice_labels") or {}).items():
        initial[f"choices_{code}"] = "\n".join(labels)
    for code, label in (question.get("labels") or {}).items():
        initial[f"label_{code}"] = label
    return initial


def _focus_initial(focus) -> dict[str, Any]:
    return {
        "title": focus.title,
        "description": focus.description,
        "articles": ", ".join(str(a.pk) for a in focus.articles.all()),
        "products": focus.products,
        "locales": focus.locales,
        "browser_versions": "\n".join(focus.browser_versions),
        "starts": focus.starts,
        "ends": focus.ends,
        "capacity": focus.capacity,
        "queue": focus.queue.slug if focus.queue_id else "",
    }


def _render(request: HttpRequest, template: str, **context) -> HttpResponse:
    locale = current_locale()
    return render(request, template, {"locale": locale, **_page_urls(locale), **context})


@operator_required
def focus_list(request: HttpRequest) -> HttpResponse:
    """Every campaign with its state and how many visitors answered."""
    focuses = list(focus_service.focus_overview())
    for focus in focuses:
        focus.state = focus_service.focus_state(focus)
    return _render(request, "livechat/focus/list.html", focuses=focuses)


def _save(request: HttpRequest, focus=None) -> HttpResponse:
    """Create (``focus`` None) or update a campaign from the posted form."""
    form = FocusForm(
        request.POST if request.method == "POST" else None,
        initial=(_focus_initial(focus) if focus else None),
    )
    questions = QuestionFormSet(
        request.POST if request.method == "POST" else None,
        prefix="q",
        initial=[_question_initial(q) for q in focus.questions] if focus else None,
    )
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        fields = form.service_fields()
        fields["questions"] = [
            q.question() for q in questions.forms if q.cleaned_data and not q.cleaned_data["DELETE"]
        ]
        caller = page_caller(request)
        try:
            if focus is None:
                focus = focus_service.create_focus(caller=caller, **fields)
                messages.success(request, _("The focus was created."))
            else:
                focus_service.update_focus(caller=caller, focus_id=focus.pk, **fields)
                messages.success(request, _("The focus was saved."))
            return redirect("livechat:focus_edit", focus_id=focus.pk)
        except LivechatError as error:
            form.add_error(None, error.detail)
    counted = focus_service.focus_with_counts(focus.pk) if focus else None
    return _render(
        request,
        "livechat/focus/edit.html",
        form=form,
        questions=questions,
        focus=counted,
        state=focus_service.focus_state(counted) if counted else "",
        preview_locales=settings.LANGUAGES,
        actions=_actions(counted) if counted else [],
    )


def _actions(focus) -> list[tuple[str, str]]:
    state = focus_service.focus_state(focus)
    if state == focus_service.FocusState.ENDED:
        return []
    toggle = ("resume", _("Resume")) if state == "paused" else ("pause", _("Pause"))
    return [toggle, ("end", _("End now"))]


@operator_required
def focus_new(request: HttpRequest) -> HttpResponse:
    return _save(request)


@operator_required
def focus_edit(request: HttpRequest, focus_id: int) -> HttpResponse:
    focus = focus_service.focus_with_counts(focus_id)
    if focus is None:
        raise Http404(_("No such focus."))
    return _save(request, focus)


@require_POST
@operator_required
def focus_action(request: HttpRequest, focus_id: int, action: str) -> HttpResponse:
    """Pause, resume or end a campaign from its page."""
    caller = page_caller(request)
    try:
        focus_service.change_focus_state(caller=caller, focus_id=focus_id, action=action)
    except LivechatError as error:
        if error.status == 404:
            raise Http404(error.detail) from None
        messages.error(request, error.detail)
    return redirect(reverse("livechat:focus_edit", kwargs={"focus_id": focus_id}))


@operator_required
def focus_preview(request: HttpRequest, focus_id: int) -> HttpResponse:
    """The pre-chat questions as a visitor in ``?locale=`` will see them."""
    focus = focus_service.focus_with_counts(focus_id)
    if focus is None:
        raise Http404(_("No such focus."))
    locale = supported_locale(request.GET.get("locale")) or settings.LANGUAGE_CODE
    shown = focus_service.public_focus(focus, locale)
    for question in shown["questions"]:
        question["options"] = list(zip(question["choices"], question["choice_labels"], strict=True))
    return _render(
        request, "livechat/focus/preview.html", focus=focus, shown=shown, shown_locale=locale
    )
