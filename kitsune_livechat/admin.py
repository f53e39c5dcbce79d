"""The Django admin: operators edit configuration here; everything else changes through actions.

Queues and canned responses are the operators' own rows and stay editable. Every other row is
written by a service that keeps its rules (a chat's status and seq, the karma ledger's single
writer, a trainee's stage, a ban's lifting), so those models are read only here, listed in
``SERVICE_OWNED``, and change only through admin actions that call the same service functions
as the API, as the admin user. The services' permission rules therefore hold: a refusal shows as
an error message beside the list, never a 500, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import models
from .exceptions import LivechatError
from .services.contributors import karma, mentoring
from .services.line import lifecycle, moderation, transfer
from .services.line.focus import change_focus_state
from .services.shared.access import Caller

# Rows a service owns, with the fields it owns ("__all__": every field). The admin shows them
# read only; ``tests/doors/test_admin.py`` fails if a registered admin leaves one of them editable.
EVERY_FIELD = "__all__"
SERVICE_OWNED: dict[type[Model], str | tuple[str, ...]] = {
    models.AgentStatus: EVERY_FIELD,  # the console: presence, seats, queues, languages
    models.ChatSession: EVERY_FIELD,  # queueing, routing, transfer, messaging, moderation
    models.Participant: EVERY_FIELD,  # participants, mentoring
    models.Message: EVERY_FIELD,  # messaging (seq order), mentoring (drafts), retention
    models.ArticleFeedback: EVERY_FIELD,  # feedback, karma (led to a revision)
    models.Rating: EVERY_FIELD,  # the visitor's survey, credited by karma
    models.KarmaAward: EVERY_FIELD,  # karma.award() is the ledger's one writer
    models.Focus: EVERY_FIELD,  # focus: validated questions and targets, operators' pages
    models.Ban: EVERY_FIELD,  # moderation: ban from a chat, lift
    models.Trainee: EVERY_FIELD,  # mentoring: apply, pair, propose, graduate
    models.AbuseReport: EVERY_FIELD,  # moderation: report, resolve
}
# Configuration the operators own: edited here with the model's own validation.
OPERATOR_OWNED: tuple[type[Model], ...] = (models.Queue, models.CannedResponse)


def service_owned_fields(model: type[Model]) -> tuple[str, ...]:
    """The names of the fields a service owns on ``model`` (none for configuration rows)."""
    owned = SERVICE_OWNED.get(model, ())
    if owned == EVERY_FIELD:
        meta = model._meta
        return tuple(field.name for field in [*meta.concrete_fields, *meta.many_to_many])
    return tuple(owned)


class ServiceOwnedAdmin(admin.ModelAdmin):
    """Read only for the fields a service owns; rows are added and removed by services only."""

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None):
        fields = [*super().get_readonly_fields(request, obj), *service_owned_fields(self.model)]
        return tuple(dict.fromkeys(fields))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return not self._wholly_owned() and super().has_add_permission(request, *args)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return not self._wholly_owned() and super().has_delete_permission(request, obj)

    def _wholly_owned(self) -> bool:
        return SERVICE_OWNED.get(self.model) == EVERY_FIELD

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if self._wholly_owned():  # nothing to save: the page shows the row and its actions' list
            extra_context = {
                "show_save": False,
                "show_save_and_continue": False,
                "show_save_and_add_another": False,
                **(extra_context or {}),
            }
        return super().change_view(request, object_id, form_url, extra_context)


Call = Callable[[Caller, Any], object]
FormCall = Callable[[Caller, Any, dict[str, Any]], object]


def run_service(
    model_admin: admin.ModelAdmin, request: HttpRequest, rows: Iterable, call: Call, description
) -> None:
    """Call a service once per selected row as the admin user; report refusals one by one."""
    caller = Caller(user=request.user)
    rows = list(rows)
    done = 0
    for row in rows:
        try:
            call(caller, row)
        except LivechatError as error:
            model_admin.message_user(request, f"{row}: {error.detail}", messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(
            request,
            gettext("%(action)s: done for %(done)d of %(total)d.")
            % {"action": description, "done": done, "total": len(rows)},
            messages.SUCCESS,
        )


def service_action(description, call: Call, *, rows: Callable[[QuerySet], Iterable] = list):
    """An admin action (needing the ``change`` permission) that calls a service per row."""

    @admin.action(description=description, permissions=["change"])
    def action(model_admin, request, queryset):
        run_service(model_admin, request, rows(queryset), call, description)

    return action


def form_action(description, form_class: type[forms.Form], call: FormCall):
    """An action that first asks for input on an intermediate page (Django's pattern), then
    calls a service per row with the form's cleaned data."""

    @admin.action(description=description, permissions=["change"])
    def action(model_admin, request, queryset):
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                run_service(
                    model_admin, request, queryset, lambda c, row: call(c, row, data), description
                )
                return None
        else:
            form = form_class()
        context = {
            **model_admin.admin_site.each_context(request),
            "title": description,
            "opts": model_admin.model._meta,
            "form": form,
            "rows": queryset,
            "action": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": model_admin.media + form.media,
        }
        return TemplateResponse(request, "admin/livechat/action_form.html", context)

    return action


# --- Forms of the intermediate pages ------------------------------------------------------------


class TransferForm(forms.Form):
    to_helper = forms.CharField(
        label=_("To the helper (username)"),
        required=False,
        help_text=_("Leave empty to put the chat back in line."),
    )
    to_queue = forms.ModelChoiceField(
        queryset=models.Queue.objects.filter(is_active=True),
        to_field_name="slug",
        required=False,
        label=_("Back in the queue"),
        empty_label=_("The chat's own queue"),
    )
    note = forms.CharField(label=_("Note for the next helper"), required=False, max_length=200)


class BanForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, max_length=1000)
    days = forms.IntegerField(
        label=_("Days"),
        required=False,
        min_value=1,
        max_value=moderation.MAX_BAN_DAYS,
        help_text=_("Leave empty to ban until the ban is lifted."),
    )


class KarmaForm(forms.Form):
    karma_action = forms.ChoiceField(
        label=_("Karma action"),
        choices=[(action.value, action.label) for action in karma.AWARDABLE],
    )


# --- Configuration ------------------------------------------------------------------------------


@admin.register(models.Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "locale", "product", "is_default", "is_active", "auto_assign")
    list_filter = ("is_active", "locale")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(models.CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ("title", "key", "locale", "is_active")
    list_filter = ("locale", "is_active")
    search_fields = ("title", "body", "key")


# --- Rows the services own ----------------------------------------------------------------------


class MessageInline(admin.TabularInline):
    model = models.Message
    extra = 0
    fields = ("seq", "role", "kind", "author_name", "body", "created")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ParticipantInline(admin.TabularInline):
    model = models.Participant
    extra = 0
    fields = ("user", "role", "state", "visible", "joined_at", "left_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(models.AgentStatus)
class AgentStatusAdmin(ServiceOwnedAdmin):
    list_display = ("user", "status", "capacity", "last_seen", "last_assigned")
    list_filter = ("status",)


def _transfer(caller: Caller, chat: models.ChatSession, data: dict[str, Any]) -> None:
    queue = data["to_queue"]
    transfer.transfer_chat(
        caller=caller,
        session_id=chat.pk,
        to_helper=data["to_helper"] or None,
        to_queue=queue.slug if queue else None,
        note=data["note"],
    )


@admin.register(models.ChatSession)
class ChatSessionAdmin(ServiceOwnedAdmin):
    list_display = ("id", "status", "queue", "article_title", "locale", "helper", "created")
    list_filter = ("status", "queue", "locale")
    search_fields = ("problem", "article_title", "visitor__username", "helper__username")
    list_select_related = ("queue", "helper")
    date_hierarchy = "created"
    inlines = [ParticipantInline, MessageInline]
    actions = ["end_chats", "transfer_chats", "ban_visitors", "award_karma"]

    end_chats = service_action(
        _("End the chats"),
        lambda caller, chat: lifecycle.end_chat(caller=caller, session_id=chat.pk),
    )
    transfer_chats = form_action(_("Transfer the chats"), TransferForm, _transfer)
    ban_visitors = form_action(
        _("Ban the chats' visitors"),
        BanForm,
        lambda caller, chat, data: moderation.ban_visitor(
            caller=caller, session_id=chat.pk, reason=data["reason"], days=data["days"]
        ),
    )
    award_karma = form_action(
        _("Award karma to the chats' helpers"),
        KarmaForm,
        lambda caller, chat, data: karma.award_for_chat(
            caller=caller, session_id=chat.pk, action=data["karma_action"]
        ),
    )


@admin.register(models.Message)
class MessageAdmin(ServiceOwnedAdmin):
    list_display = ("session", "seq", "role", "kind", "author_name", "created")
    list_filter = ("kind", "role")
    search_fields = ("body",)


@admin.register(models.Participant)
class ParticipantAdmin(ServiceOwnedAdmin):
    list_display = ("session", "user", "role", "state", "visible", "created")
    list_filter = ("role", "state")


@admin.register(models.ArticleFeedback)
class ArticleFeedbackAdmin(ServiceOwnedAdmin):
    list_display = ("session", "outcome", "article", "author", "flagged_for_review", "created")
    list_filter = ("outcome", "flagged_for_review")
    search_fields = ("missing", "suggested_change")


@admin.register(models.Rating)
class RatingAdmin(ServiceOwnedAdmin):
    list_display = ("session", "score", "article_helped", "created")
    list_filter = ("score", "article_helped")


def _one_per_person_and_chat(queryset: QuerySet) -> list[models.KarmaAward]:
    """One correction covers all a person earned in a chat, however many awards are selected."""
    return list({(row.user_id, row.session_id): row for row in queryset.order_by("pk")}.values())


@admin.register(models.KarmaAward)
class KarmaAwardAdmin(ServiceOwnedAdmin):
    """The ledger: credit from a chat (the chats' "Award karma" action), take back here."""

    list_display = ("user", "action", "points", "session", "created")
    list_filter = ("action",)
    actions = ["revoke_karma"]

    revoke_karma = service_action(
        _("Revoke the karma earned in these chats"),
        lambda caller, row: karma.revoke_for_chat(
            caller=caller, session_id=row.session_id, user_id=row.user_id
        ),
        rows=_one_per_person_and_chat,
    )


def _focus_state(action: str) -> Call:
    return lambda caller, focus: change_focus_state(caller=caller, focus_id=focus.pk, action=action)


@admin.register(models.Focus)
class FocusAdmin(ServiceOwnedAdmin):
    """Campaigns are defined on the operators' focus pages; here they are paused or ended."""

    list_display = ("title", "is_active", "starts", "ends", "capacity", "queue")
    list_filter = ("is_active",)
    actions = ["pause_focuses", "resume_focuses", "end_focuses"]

    pause_focuses = service_action(_("Pause the focuses"), _focus_state("pause"))
    resume_focuses = service_action(_("Resume the focuses"), _focus_state("resume"))
    end_focuses = service_action(_("End the focuses"), _focus_state("end"))


@admin.register(models.Ban)
class BanAdmin(ServiceOwnedAdmin):
    """Bans are set from a chat (the chats' "Ban the chats' visitors" action) and lifted here."""

    list_display = ("user", "anonymous_key", "reason", "created", "expires", "lifted_at")
    actions = ["lift_bans"]

    lift_bans = service_action(
        _("Lift the bans"),
        lambda caller, ban: moderation.lift_ban(caller=caller, ban_id=ban.pk),
    )


@admin.register(models.Trainee)
class TraineeAdmin(ServiceOwnedAdmin):
    list_display = ("user", "stage", "mentor", "applied", "graduated")
    list_filter = ("stage",)
    actions = ["pair_trainees", "propose_trainees", "graduate_trainees"]

    pair_trainees = service_action(
        _("Mentor the trainees myself"),
        lambda caller, trainee: mentoring.pair(caller=caller, trainee_id=trainee.pk),
    )
    propose_trainees = service_action(
        _("Propose the trainees for graduation"),
        lambda caller, trainee: mentoring.propose(caller=caller, trainee_id=trainee.pk),
    )
    graduate_trainees = service_action(
        _("Graduate the trainees"),
        lambda caller, trainee: mentoring.graduate(caller=caller, trainee_id=trainee.pk),
    )


@admin.register(models.AbuseReport)
class AbuseReportAdmin(ServiceOwnedAdmin):
    list_display = ("session", "helper", "created", "resolved_at")
    actions = ["resolve_reports"]

    resolve_reports = service_action(
        _("Mark the reports resolved"),
        lambda caller, report: moderation.resolve_report(caller=caller, report_id=report.pk),
    )
