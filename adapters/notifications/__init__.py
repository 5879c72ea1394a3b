from adapters.notifications.logging_notifier import LoggingNotifier

__all__ = ["LoggingNotifier"]
