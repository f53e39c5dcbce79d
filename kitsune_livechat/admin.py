"""The Django admin of the app's rows: chats, queues, focuses, feedback and trainees."""

from django.contrib import admin

from . import models


class MessageInline(admin.TabularInline):
    model = models.Message
    extra = 0
    fields = ("seq", "role", "kind", "author_name", "body", "created")
    readonly_fields = fields
    can_delete = False


class ParticipantInline(admin.TabularInline):
    model = models.Participant
    extra = 0
    raw_id_fields = ("user", "invited_by")


@admin.register(models.Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "locale", "product", "is_default", "is_active", "auto_assign")
    list_filter = ("is_active", "locale")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(models.AgentStatus)
class AgentStatusAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "capacity", "last_seen", "last_assigned")
    list_filter = ("status",)
    raw_id_fields = ("user",)


@admin.register(models.ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "queue", "article_title", "locale", "helper", "created")
    list_filter = ("status", "queue", "locale")
    search_fields = ("problem", "article_title", "visitor__username", "helper__username")
    raw_id_fields = ("visitor", "helper", "preferred_helper", "ended_by", "article")
    readonly_fields = ("last_seq",)
    date_hierarchy = "created"
    inlines = [ParticipantInline, MessageInline]


@admin.register(models.Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("session", "seq", "role", "kind", "author_name", "created")
    list_filter = ("kind", "role")
    search_fields = ("body",)
    raw_id_fields = ("session", "author", "draft", "approved_by")


@admin.register(models.Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("session", "user", "role", "state", "visible", "created")
    list_filter = ("role", "state")
    raw_id_fields = ("session", "user", "invited_by")


@admin.register(models.ArticleFeedback)
class ArticleFeedbackAdmin(admin.ModelAdmin):
    list_display = ("session", "outcome", "article", "author", "flagged_for_review", "created")
    list_filter = ("outcome", "flagged_for_review")
    search_fields = ("missing", "suggested_change")
    raw_id_fields = ("session", "author", "article", "solved_by")


@admin.register(models.Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("session", "score", "article_helped", "created")
    list_filter = ("score", "article_helped")
    raw_id_fields = ("session",)


@admin.register(models.KarmaAward)
class KarmaAwardAdmin(admin.ModelAdmin):
    list_display = ("user", "action", "points", "session", "created")
    list_filter = ("action",)
    raw_id_fields = ("user", "session")


@admin.register(models.CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ("title", "key", "locale", "is_active")
    list_filter = ("locale", "is_active")
    search_fields = ("title", "body", "key")


@admin.register(models.Focus)
class FocusAdmin(admin.ModelAdmin):
    list_display = ("title", "is_active", "starts", "ends", "capacity", "queue")
    list_filter = ("is_active",)
    prepopulated_fields = {"slug": ("title",)}
    raw_id_fields = ("articles",)


@admin.register(models.Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ("user", "anonymous_key", "reason", "created", "expires")
    raw_id_fields = ("user", "created_by")


@admin.register(models.Trainee)
class TraineeAdmin(admin.ModelAdmin):
    list_display = ("user", "stage", "mentor", "applied", "graduated")
    list_filter = ("stage",)
    raw_id_fields = ("user", "mentor", "graduated_by")
