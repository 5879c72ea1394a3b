"""Operability for the REST app: structured request logs and Prometheus metrics.

``create_app`` calls ``configure_logging``; ``build_middleware`` installs the ``RequestContext``
middleware (request id, timing, HTTP metrics, the log line) and ``install_metrics`` serves
``/metrics``. The container owns the metrics registry and feeds the domain counters
(``adapters.metrics``) from committed events.
"""
