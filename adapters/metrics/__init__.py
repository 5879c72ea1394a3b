from adapters.metrics.prometheus_domain_metrics import PrometheusDomainMetrics

__all__ = ["PrometheusDomainMetrics"]
