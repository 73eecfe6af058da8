from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"

    def ready(self) -> None:
        from conversations.llm.pricing import check_model_configured

        # A model we cannot price would make every cost wrong: refuse to start instead.
        check_model_configured()
        import config.websocket  # noqa: F401  (registers its deploy check)
