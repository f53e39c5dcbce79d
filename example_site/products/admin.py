from django.contrib import admin

from .models import Product, Topic


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "display_order", "visible"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "parent", "visible"]
    list_filter = ["products"]
    prepopulated_fields = {"slug": ["title"]}
