"""Operability for the REST app: structured request logs and Prometheus metrics.

``create_app`` calls ``configure_logging``, installs the ``RequestContext`` middleware (request
id, timing, log line) and calls ``install_metrics``; the container owns the metrics registry and
feeds ``DomainMetrics`` from committed events.
"""
