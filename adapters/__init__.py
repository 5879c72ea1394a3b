"""Outbound adapters: implementations of the application's ports, named after their technology."""
