from django.contrib import admin

from .models import Question, QuestionMetaData


class QuestionMetaDataInline(admin.TabularInline):
    model = QuestionMetaData
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["title", "creator", "product", "locale", "created"]
    list_filter = ["locale", "product"]
    search_fields = ["title", "content"]
    raw_id_fields = ["creator"]
    inlines = [QuestionMetaDataInline]
