"""FastAPI's OpenTelemetry is on exactly where OpenTelemetry is set up when the app is built."""

import pytest

from entrypoints.rest.app import create_app
from entrypoints.rest.telemetry import PROVIDER_VARIABLES, native_telemetry

ALL_ON = {"tracing": True, "metrics": True, "logs": True}
ALL_OFF = {"tracing": False, "metrics": False, "logs": False}


def test_without_opentelemetry_set_up_fastapi_instruments_nothing() -> None:
    assert native_telemetry({}) == ALL_OFF
    assert native_telemetry({"FASTAPI_OTEL_AUTO_CONFIGURE": "false"}) == ALL_OFF


@pytest.mark.parametrize("variable", PROVIDER_VARIABLES)
def test_a_provider_named_in_the_environment_turns_it_on(variable: str) -> None:
    assert native_telemetry({variable: "sdk_provider"}) == ALL_ON


def test_fastapi_s_own_auto_configuration_turns_it_on() -> None:
    assert native_telemetry({"FASTAPI_OTEL_AUTO_CONFIGURE": "TRUE"}) == ALL_ON


def test_the_app_is_built_with_the_answer() -> None:
    app = create_app()  # no OpenTelemetry is set up in the tests
    assert {key: app._telemetry[key] for key in ALL_OFF} == ALL_OFF  # FastAPI keeps it there
