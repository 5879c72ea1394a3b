"""FastAPI's own OpenTelemetry instrumentation: on where OpenTelemetry is set up, off elsewhere.

FastAPI (0.165) asks on every request whether a tracer, meter or logger provider has been set
up: three lookups in ``os.environ`` and three provider checks, about 1 % of a transfer's CPU.
This service exports its own Prometheus metrics and request logs, and most deployments set up
no OpenTelemetry at all; those that do, do it before the app is built (the ``OTEL_PYTHON_*``
provider variables, ``opentelemetry-instrument``, which installs providers when Python starts,
or ``FASTAPI_OTEL_AUTO_CONFIGURE=true``). So the question is asked once, when the app is built,
and FastAPI gets the answer as its telemetry switches.
"""

import os
from collections.abc import Mapping

from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace

#: Setting any of these makes OpenTelemetry load that provider on first use.
PROVIDER_VARIABLES = (
    "OTEL_PYTHON_TRACER_PROVIDER",
    "OTEL_PYTHON_METER_PROVIDER",
    "OTEL_PYTHON_LOGGER_PROVIDER",
)


def native_telemetry(environ: Mapping[str, str] = os.environ) -> TelemetryConfig:
    """FastAPI's tracing, metrics and logs, all on when OpenTelemetry is set up, else all off."""
    configured = (
        any(name in environ for name in PROVIDER_VARIABLES)
        or environ.get("FASTAPI_OTEL_AUTO_CONFIGURE", "").lower() == "true"
        or not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    )
    return {"tracing": configured, "metrics": configured, "logs": configured}
