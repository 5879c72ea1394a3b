"""Operability for the REST app: structured request logs and Prometheus metrics.

``create_app`` calls ``configure_logging``, ``install_request_logging`` and ``install_metrics``;
the container owns the metrics registry and feeds ``DomainMetrics`` from committed events.
"""
