from django.contrib import admin

from .models import Document, HelpfulVote, HelpfulVoteMetadata, Revision


class RevisionInline(admin.StackedInline):
    model = Revision
    fk_name = "document"
    extra = 0
    fields = ["summary", "content", "keywords", "is_approved", "creator", "reviewed"]
    raw_id_fields = ["creator"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "locale", "category", "is_archived", "needs_change"]
    list_filter = ["locale", "category", "is_archived", "needs_change", "products"]
    search_fields = ["title", "slug"]
    raw_id_fields = ["parent", "current_revision"]
    filter_horizontal = ["products", "topics"]
    inlines = [RevisionInline]


class HelpfulVoteMetadataInline(admin.TabularInline):
    model = HelpfulVoteMetadata
    extra = 0


@admin.register(HelpfulVote)
class HelpfulVoteAdmin(admin.ModelAdmin):
    list_display = ["revision", "helpful", "creator", "created"]
    list_filter = ["helpful"]
    raw_id_fields = ["revision", "creator"]
    inlines = [HelpfulVoteMetadataInline]
