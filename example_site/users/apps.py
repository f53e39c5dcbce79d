from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from django.contrib.auth.models import User

        from . import signals  # noqa: F401  (creates a profile for every new user)
        from .managers import RegularUserManager

        # As Kitsune does: User.objects hides system accounts through a join on the profile,
        # User.all_users keeps every row (the model's _default_manager is unchanged).
        if not hasattr(User, "all_users"):
            User.all_users = User.objects
            manager = RegularUserManager()
            manager.model = User
            User.objects = manager
