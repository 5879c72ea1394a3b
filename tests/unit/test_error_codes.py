"""Every error with a code, from the domain or the application, has an HTTP status and a CLI
exit code: a new error kind cannot reach a client as a generic 400 or exit 1 by oversight."""

import importlib
import pkgutil

import application
import domain
from application.errors import ApplicationError
from domain.errors import CodedError, DomainError
from entrypoints.cli.errors import EXIT_CODES
from entrypoints.rest.errors import STATUS_BY_CODE

#: Never raised themselves: they group the codes.
BASES = {CodedError, DomainError, ApplicationError}


def error_classes() -> set[type[CodedError]]:
    for package in (domain, application):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    found: set[type[CodedError]] = set()
    pending = [CodedError]
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return found - BASES


def test_both_layers_have_errors_with_codes() -> None:
    classes = error_classes()

    assert any(issubclass(cls, DomainError) for cls in classes)
    assert any(issubclass(cls, ApplicationError) for cls in classes)


def test_every_error_code_has_an_http_status() -> None:
    missing = {cls.__name__: cls.code for cls in error_classes() if cls.code not in STATUS_BY_CODE}

    assert missing == {}


def test_every_error_code_has_a_cli_exit_code() -> None:
    missing = {cls.__name__: cls.code for cls in error_classes() if cls.code not in EXIT_CODES}

    assert missing == {}


def test_the_tables_name_no_code_that_no_error_has() -> None:
    codes = {cls.code for cls in error_classes()}

    assert set(STATUS_BY_CODE) - codes == set()
    assert set(EXIT_CODES) - codes == set()
