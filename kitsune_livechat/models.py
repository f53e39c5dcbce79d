"""Data only. Business rules live in services/; nothing here writes other rows."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL
ARTICLE = settings.LIVECHAT_ARTICLE_MODEL


class Article(models.Model):
    """Swappable stand-in for the host's KB article, like auth.User for AUTH_USER_MODEL.

    It is always swapped out for ``LIVECHAT_ARTICLE_MODEL`` (no table is created). It exists so
    that migrations write ``settings.LIVECHAT_ARTICLE_MODEL`` and a ``swappable_dependency``
    instead of the host's app label, which keeps them valid whatever model the host names.
    """

    title = models.CharField(max_length=255)

    class Meta:
        swappable = "LIVECHAT_ARTICLE_MODEL"


class Queue(models.Model):
    """A line of waiting chats with its own hours, routing and timeouts.

    The queue serving an article is found by focus, then product, then locale, then default.
    """

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(unique=True)
    locale = models.CharField(_("locale"), max_length=10, blank=True, help_text=_("Empty: any."))
    product = models.CharField(
        _("product slug"), max_length=100, blank=True, help_text=_("Empty: any product.")
    )
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # {"0": [["09:00", "17:00"]], ...} keyed by weekday (Monday = 0); empty means always open.
    business_hours = models.JSONField(default=dict, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    auto_assign = models.BooleanField(default=True)
    seconds_per_chat = models.PositiveIntegerField(
        default=180, help_text=_("Wait estimate per chat ahead when there is no history.")
    )
    full_multiplier = models.FloatField(
        default=2.0, help_text=_("Full when waiting chats exceed free seats times this.")
    )
    missed_timeout = models.PositiveIntegerField(
        default=600, help_text=_("Seconds before an unanswered chat is missed.")
    )
    long_wait = models.PositiveIntegerField(
        default=120, help_text=_("Seconds after which helpers are alerted again.")
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("answer_chats", _("Can answer live chats")),
            ("supervise_chats", _("Can monitor and supervise live chats")),
            ("view_insights", _("Can view live chat insights")),
            ("manage_focus", _("Can run focus campaigns")),
        ]

    def __str__(self):
        return self.name


class AgentStatus(models.Model):
    """A contributor's presence and seats. A missing heartbeat takes them offline."""

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="livechat_status")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFLINE)
    capacity = models.PositiveSmallIntegerField(default=3)
    queues = models.ManyToManyField(Queue, blank=True, help_text=_("Empty: every queue."))
    locales = models.JSONField(default=list, blank=True, help_text=_("Empty: every locale."))
    last_seen = models.DateTimeField(null=True, blank=True)
    last_assigned = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "agent statuses"
        indexes = [models.Index(fields=["status", "last_seen"])]

    def __str__(self):
        return f"{self.user} ({self.status})"


class Focus(models.Model):
    """An operator's campaign pointing chat at a specific problem, with pre-chat questions.

    ``questions`` is a list of {"key", "label", "type": text|choice|yesno, "choices", "required"}.
    """

    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    articles = models.ManyToManyField(ARTICLE, blank=True, related_name="livechat_focuses")
    products = models.JSONField(default=list, blank=True)
    locales = models.JSONField(default=list, blank=True)
    browser_versions = models.JSONField(
        default=list, blank=True, help_text=_('e.g. ["Firefox 120", "Firefox 121"]')
    )
    starts = models.DateTimeField(null=True, blank=True)
    ends = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Most chats to collect; empty: no limit.")
    )
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.SET_NULL)
    questions = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "focuses"
        ordering = ["-created"]

    def __str__(self):
        return self.title


class ChatSession(models.Model):
    """One chat, from request to end, tied to the article it started from."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        ABANDONED = "abandoned", _("Abandoned")
        MISSED = "missed", _("Missed")

    OPEN_STATUSES = (Status.WAITING, Status.ACTIVE)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="sessions")
    focus = models.ForeignKey(
        Focus, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )

    # Who asked: an account, or an anonymous visitor known by a random key behind a signed token.
    visitor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="livechat_requests"
    )
    anonymous_key = models.CharField(max_length=64, blank=True, db_index=True)
    visitor_name = models.CharField(max_length=150, blank=True)
    visitor_email = models.EmailField(blank=True)

    # The article, and a snapshot of what the visitor saw.
    article = models.ForeignKey(
        ARTICLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="livechat_sessions"
    )
    article_title = models.CharField(max_length=255, blank=True)
    article_url = models.CharField(max_length=500, blank=True)
    article_revision_id = models.PositiveIntegerField(null=True, blank=True)
    locale = models.CharField(max_length=10)
    product = models.CharField(max_length=100, blank=True)

    # The question form.
    problem = models.TextField()
    started_when = models.CharField(max_length=100, blank=True)
    frequency = models.CharField(max_length=100, blank=True)
    on_affected_computer = models.BooleanField(null=True, blank=True)
    preferred_helper = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answers = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)

    # Browser context, parsed from the user agent.
    user_agent = models.TextField(blank=True)
    browser = models.CharField(max_length=50, blank=True)
    browser_version = models.CharField(max_length=30, blank=True)
    os = models.CharField(max_length=50, blank=True)

    # The helper who owns the chat now (invited helpers and observers are Participants).
    helper = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="livechat_assigned"
    )
    supervised = models.BooleanField(
        default=False, help_text=_("A trainee's messages wait for a mentor's approval.")
    )

    created = models.DateTimeField(default=timezone.now)
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    ended_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Fallbacks: a forum question made from the chat, or an email for follow-up.
    handoff_question_id = models.PositiveIntegerField(null=True, blank=True)
    handoff_url = models.CharField(max_length=500, blank=True)
    followup_email = models.EmailField(blank=True)
    solved_by_suggestion = models.ForeignKey(
        ARTICLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A returning visitor's follow-up points at the chat it continues.
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )

    # Highest seq handed out; bumped under a row lock so every message gets the next one.
    last_seq = models.PositiveIntegerField(default=0)
    # How far each side has read, so a reloaded window shows "Read" again: the visitor, and the
    # staff the visitor may know of (a hidden observer's reading is not theirs to see). Only
    # ever raised; a socket writes its caller's mark when it reads the database anyway.
    visitor_read_seq = models.PositiveIntegerField(default=0)
    staff_read_seq = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["created"]
        indexes = [
            models.Index(fields=["queue", "status", "created"], name="livechat_queue_line"),
            models.Index(fields=["status", "created"], name="livechat_status_created"),
            models.Index(fields=["helper", "status"], name="livechat_helper_status"),
            models.Index(fields=["visitor", "status"], name="livechat_visitor_status"),
            models.Index(fields=["article", "created"], name="livechat_article_created"),
        ]

    def __str__(self):
        return f"{self.article_title or self.problem[:40]} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Participant(models.Model):
    """Anyone in a chat besides the visitor and its owner: invited helpers, monitors, trainees."""

    class Role(models.TextChoices):
        HELPER = "helper", _("Helper")
        MONITOR = "monitor", _("Monitor")
        TRAINEE = "trainee", _("Trainee")
        MENTOR = "mentor", _("Mentor")

    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        KNOCKING = "knocking", _("Knocking")
        ACTIVE = "active", _("In the chat")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="livechat_participations")
    role = models.CharField(max_length=10, choices=Role.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    visible = models.BooleanField(
        default=True, help_text=_("Monitors stay invisible to the visitor until they speak.")
    )
    invited_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="livechat_one_participation")
        ]
        indexes = [models.Index(fields=["user", "state"])]

    def __str__(self):
        return f"{self.user} as {self.role} in {self.session_id}"


class Message(models.Model):
    """One line of a chat. ``seq`` orders a session's messages with no gaps or duplicates."""

    class Role(models.TextChoices):
        VISITOR = "visitor", _("Visitor")
        HELPER = "helper", _("Helper")
        OBSERVER = "observer", _("Observer")
        SYSTEM = "system", _("System")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        WHISPER = "whisper", _("Whisper")
        NOTE = "note", _("Note")
        SYSTEM = "system", _("System")
        DRAFT = "draft", _("Draft awaiting approval")

    # Kinds the visitor never sees, live, on replay or over HTTP.
    STAFF_ONLY_KINDS = (Kind.WHISPER, Kind.NOTE, Kind.DRAFT)

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL)
    author_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField()
    # Supervised mode: the approved message points at the trainee's draft it publishes.
    draft = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="published"
    )
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A file sent as this message (a screenshot, a log): kept through the storage API under a
    # random name and served only through the access gate; ``body`` holds its name, so clients
    # that show text only still show something meaningful.
    file = models.FileField(max_length=255, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="livechat_message_seq"),
            models.UniqueConstraint(
                fields=["session", "client_msg_id"],
                condition=Q(client_msg_id__isnull=False),
                name="livechat_message_client_id",
            ),
        ]

    def __str__(self):
        return f"#{self.seq} {self.body[:40]}"

    @property
    def has_file(self) -> bool:
        """Whether a file was sent as this message, read without making the field's
        ``FieldFile``: that object points back at the message, a reference cycle that only the
        cycle collector frees. A chat process stores and sends thousands of messages a second,
        nearly all of them text, and the collector's passes over their cycles stalled every
        socket of the process for up to a tenth of a second."""
        # The column as loaded (a name, or a FieldFile once read); a deferred one loads.
        value = self.__dict__["file"] if "file" in self.__dict__ else self.file
        return bool(value)


class ArticleFeedback(models.Model):
    """The helper's structured verdict on the article the chat started from."""

    class Outcome(models.TextChoices):
        ARTICLE_SOLVED = "article_solved", _("The article solved it")
        ARTICLE_INCOMPLETE = "article_incomplete", _("The article is incomplete")
        ARTICLE_WRONG = "article_wrong", _("The article is wrong")
        ARTICLE_OUTDATED = "article_outdated", _("The article is outdated")
        WRONG_ARTICLE = "wrong_article", _("The visitor was on the wrong article")
        NOT_ARTICLE_RELATED = "not_article_related", _("Not related to the article")

    # Outcomes that count as the article failing its reader.
    FAILURES = (
        Outcome.ARTICLE_INCOMPLETE,
        Outcome.ARTICLE_WRONG,
        Outcome.ARTICLE_OUTDATED,
        Outcome.WRONG_ARTICLE,
    )
    # Outcomes that may flag the article for review in the host.
    REVIEW = (Outcome.ARTICLE_WRONG, Outcome.ARTICLE_OUTDATED)

    session = models.OneToOneField(ChatSession, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    article = models.ForeignKey(
        ARTICLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="livechat_feedback"
    )
    revision_id = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    solved_by = models.ForeignKey(
        ARTICLE, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    missing = models.TextField(blank=True)
    suggested_change = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    # The distinct words of ``missing``, normalised when saved, so the insight pages can count
    # missing-information themes in the database on any backend.
    terms = models.JSONField(default=list, blank=True, editable=False)
    flagged_for_review = models.BooleanField(default=False)
    led_to_revision_id = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["article", "outcome", "created"])]

    def __str__(self):
        return f"{self.outcome} on {self.session_id}"


class Rating(models.Model):
    """The visitor's post-chat survey, stored once."""

    session = models.OneToOneField(ChatSession, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    article_helped = models.BooleanField(null=True, blank=True)
    helpful_vote_id = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="livechat_rating_1_to_5"
            )
        ]

    def __str__(self):
        return f"{self.score}/5 for {self.session_id}"


class KarmaAward(models.Model):
    """The points ledger: one row per (user, action, session), so retries never double-count."""

    class Action(models.TextChoices):
        CHAT_ANSWERED = "chat_answered", _("Chat answered")
        FIRST_CHAT = "first_chat", _("First chat ever")
        GOOD_RATING = "good_rating", _("Good rating")
        FEEDBACK_FILED = "feedback_filed", _("Article feedback filed")
        FEEDBACK_LED_TO_REVISION = "feedback_led_to_revision", _("Feedback improved an article")
        MENTORED_CHAT = "mentored_chat", _("Mentored a trainee's chat")
        TRAINEE_GRADUATED = "trainee_graduated", _("Mentored a trainee to graduation")
        WALKED_AWAY = "walked_away", _("Walked away from a chat")
        REVOKED = "revoked", _("Karma for a chat revoked by a supervisor")

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="livechat_karma")
    action = models.CharField(max_length=30, choices=Action.choices)
    session = models.ForeignKey(
        ChatSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="karma"
    )
    points = models.IntegerField()
    locale = models.CharField(max_length=10, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "action", "session"], name="livechat_karma_once"
            ),
            # NULLs are distinct in a unique index: an award with no chat is once per action.
            models.UniqueConstraint(
                fields=["user", "action"],
                condition=Q(session__isnull=True),
                name="livechat_karma_once_without_chat",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "created"]),
            models.Index(fields=["created", "locale"]),
        ]

    def __str__(self):
        return f"{self.user} {self.action} {self.points:+d}"


class CannedResponse(models.Model):
    """The app's own canned replies, besides the host's canned-response KB articles.

    Translations share a ``key``; the one in the visitor's locale is used when it exists.
    """

    key = models.SlugField(max_length=100)
    locale = models.CharField(max_length=10, default="en-US")
    title = models.CharField(max_length=200)
    body = models.TextField()
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["key", "locale"], name="livechat_canned_translation")
        ]

    def __str__(self):
        return f"{self.title} [{self.locale}]"


class Ban(models.Model):
    """Keeps an abusive visitor (account or anonymous key) out of chat, optionally until a date."""

    user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.CASCADE, related_name="livechat_bans"
    )
    anonymous_key = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(null=True, blank=True)
    # The chat it was set from, and who lifted it early (lifting sets ``expires`` to then).
    session = models.ForeignKey(
        "ChatSession", null=True, blank=True, on_delete=models.SET_NULL, related_name="bans"
    )
    lifted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(anonymous_key=""),
                name="livechat_ban_has_target",
            )
        ]

    def __str__(self):
        return f"Ban of {self.user or self.anonymous_key}"


class Trainee(models.Model):
    """A newcomer on the mentoring path: observe, chat supervised, graduate into a helper."""

    class Stage(models.TextChoices):
        APPLIED = "applied", _("Applied")
        TRAINING = "training", _("In training")
        PROPOSED = "proposed", _("Proposed for graduation")
        GRADUATED = "graduated", _("Graduated")

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="livechat_trainee")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.APPLIED)
    mentor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="livechat_mentees"
    )
    motivation = models.TextField(blank=True)
    applied = models.DateTimeField(default=timezone.now)
    proposed = models.DateTimeField(null=True, blank=True)
    graduated = models.DateTimeField(null=True, blank=True)
    graduated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"{self.user} ({self.stage})"


class ChatTag(models.Model):
    """A word a helper or supervisor put on a chat ("sync", "crash-on-start").

    One row per chat and tag, so the insight pages and exports can filter and count by tag
    with plain joins on every database.
    """

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="chat_tags")
    name = models.CharField(max_length=50)
    added_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "name"], name="livechat_one_tag_per_chat")
        ]
        indexes = [models.Index(fields=["name"], name="livechat_tag_name")]

    def __str__(self):
        return self.name


class AbuseReport(models.Model):
    """A visitor's report of a helper's behaviour in a chat, for supervisors to look into."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="reports")
    helper = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="livechat_reports"
    )
    reason = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            # One report per chat: the visitor may reword it, not repeat it.
            models.UniqueConstraint(fields=["session"], name="livechat_one_report_per_chat")
        ]
        indexes = [models.Index(fields=["resolved_at", "created"], name="livechat_report_open")]

    def __str__(self):
        return f"Report on {self.helper} in {self.session_id}"
