"""docker-compose.yml parses, and every command it runs exists in this project.

Docker cannot run in CI here, so this is the check that the file does not rot: the gunicorn
module path, the Celery app, each manage.py command and each referenced file are real.
"""

from __future__ import annotations

import importlib
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _argv(command) -> list[str]:
    return command if isinstance(command, list) else shlex.split(command)


def _commands(service: dict) -> list[list[str]]:
    """The commands a service runs: `sh -c "a && b"` counts as a and b."""
    argv = _argv(service.get("command") or [])
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in argv[2].split("&&")]
    return [argv] if argv else []


def _check(argv: list[str]) -> None:
    program = argv[0]
    if program == "python" and argv[1] == "manage.py":
        from django.core.management import get_commands

        assert argv[2] in get_commands(), f"manage.py has no command {argv[2]!r}"
    elif program == "gunicorn":
        args = argv[1:]
        if args[0] in ("--config", "-c"):
            assert (ROOT / args[1]).is_file(), f"gunicorn config {args[1]} missing"
            args = args[2:]
        module, _, attribute = args[0].partition(":")
        assert hasattr(importlib.import_module(module), attribute or "application")
    elif program == "celery":
        app_module = argv[argv.index("-A") + 1]
        celery_app = importlib.import_module(f"{app_module}.celery").app
        assert argv[argv.index("-A") + 2] in ("worker", "beat")
        for option in argv:
            if option.startswith("--queues=") or option == "-Q":
                queue = argv[argv.index("-Q") + 1] if option == "-Q" else option.split("=", 1)[1]
                known = {celery_app.conf.task_default_queue} | {
                    route.get("queue") for route in (celery_app.conf.task_routes or {}).values()
                }
                assert set(queue.split(",")) <= known, f"unknown Celery queue in {argv}"
    else:
        pytest.fail(f"unexpected program {program!r} in docker-compose.yml")


def test_compose_file_has_the_services_of_a_deployment(compose):
    assert {"web", "worker", "beat", "postgres", "redis", "mailpit"} <= set(compose["services"])


def test_every_command_in_compose_exists_in_the_project(compose):
    checked = 0
    for service in compose["services"].values():
        for argv in _commands(service):
            _check(argv)
            checked += 1
    assert checked >= 4  # migrate, gunicorn, worker, beat


def test_dockerfile_command_and_files_exist(compose):
    dockerfile = ROOT / compose["services"]["web"].get("build", ".") / "Dockerfile"
    text = dockerfile.read_text()
    assert "FROM python:3.11-slim" in text
    for line in text.splitlines():
        if line.startswith("COPY ") and not line.startswith("COPY . "):
            for name in line.split()[1:-1]:
                assert (ROOT / name).exists(), f"Dockerfile copies missing {name}"
    cmd = next(line for line in text.splitlines() if line.startswith("CMD "))
    _check(yaml.safe_load(cmd[4:]))
    assert "collectstatic" in text


def test_workers_scale_and_there_is_one_beat(compose):
    worker = compose["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker, "--scale worker=N breaks"
    beat = compose["services"]["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1


def test_app_services_get_the_configuration_the_settings_read(compose):
    for name in ("web", "worker", "beat"):
        env = compose["services"][name]["environment"]
        for variable in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SITE_URL", "SECRET_KEY"):
            assert variable in env, f"{name} lacks {variable}"
        assert env["DATABASE_URL"].split("@")[1].split(":")[0] in compose["services"]
        assert env["REDIS_URL"].split("//")[1].split(":")[0] in compose["services"]
        assert env["EMAIL_URL"].split("//")[1].split(":")[0] in compose["services"]


def test_compose_has_no_default_secret_key(compose):
    """`docker compose up` without SECRET_KEY must stop with a message, not run on a key that
    is public (in this file) and the same on every deployment."""
    for name in ("web", "worker", "beat"):
        value = compose["services"][name]["environment"]["SECRET_KEY"]
        assert value.startswith("${SECRET_KEY:?"), f"{name}: SECRET_KEY has a default: {value}"
    assert "change-me" not in COMPOSE.read_text()
