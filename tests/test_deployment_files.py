"""The files that set up, test and deploy the project say what they promise."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CHECK_ID = re.compile(r"\(([a-z_]+\.[WE]\d{3})\)")


# --- docker-compose.yml -------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _environment(service: dict) -> dict:
    """A service's environment, whether written as a mapping or a list."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return env


def _command(service: dict) -> str:
    command = service.get("command") or ""
    return " ".join(command) if isinstance(command, list) else command


def test_compose_declares_db_and_web_services(compose):
    assert {"db", "web"} <= set(compose["services"])


def test_compose_db_is_postgres_with_a_healthcheck(compose):
    db = compose["services"]["db"]

    assert db["image"].split(":")[0] == "postgres"
    assert db["healthcheck"]["test"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_compose_web_builds_the_app_and_serves_it_with_gunicorn(compose):
    web = compose["services"]["web"]

    assert "build" in web
    assert "gunicorn" in _command(web)


def test_compose_web_database_url_points_at_the_db_service(compose):
    url = urlparse(_environment(compose["services"]["web"])["DATABASE_URL"])

    assert url.scheme in {"postgres", "postgresql"}
    assert url.hostname == "db"


def test_compose_web_waits_for_a_healthy_db(compose):
    depends_on = compose["services"]["web"]["depends_on"]

    assert depends_on["db"]["condition"] == "service_healthy"


def test_compose_named_volumes_in_use_are_declared(compose):
    declared = set(compose.get("volumes") or {})
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume
            source = source.split(":")[0]
            # Host paths (bind mounts) start with . / or ~; the rest are named.
            if not source.startswith((".", "/", "~")):
                used.add(source)

    assert used  # the database at least keeps its data in a named volume
    assert used <= declared
    db_volumes = compose["services"]["db"]["volumes"]
    assert any(str(v).endswith("/var/lib/postgresql/data") for v in db_volumes)


# --- README, Makefile, CI -----------------------------------------------------


def test_readme_starts_with_make_run_then_make_test():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```[^\n]*\n(.*?)```", readme, re.S)
    assert first_block is not None
    # The block comes before any section of the README.
    first_section = readme.find("\n## ")
    assert first_section == -1 or first_block.start() < first_section

    commands = [
        line.split("#")[0].strip()
        for line in first_block.group(1).splitlines()
        if line.split("#")[0].strip()
    ]
    assert commands[:2] == ["make run", "make test"]


def test_makefile_defines_run_and_test_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")

    targets = set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", makefile, re.M))

    assert {"run", "test"} <= targets


def test_ci_script_is_executable_and_runs_make_test():
    script = ROOT / ".ci" / "run"
    text = script.read_text(encoding="utf-8")
    code = [line for line in text.splitlines() if not line.lstrip().startswith("#")]

    assert text.startswith("#!")
    assert os.access(script, os.X_OK)
    assert any(re.search(r"\bmake test\b", line) for line in code)


# --- check --deploy -----------------------------------------------------------


def _check_deploy(**env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    # The browser tests allow async-unsafe ORM calls in this process; a
    # deployment never does, and check --deploy rightly refuses it.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_secure_settings_warns_only_about_hsts_preload():
    result = _check_deploy(
        DJANGO_SECURE="true",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
    )
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    assert set(CHECK_ID.findall(output)) <= {"security.W021"}, output


def test_check_deploy_without_secure_settings_reports_transport_warnings():
    """The check above can fail: without DJANGO_SECURE the warnings show up."""
    result = _check_deploy(
        DJANGO_SECURE="false",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
    )

    found = set(CHECK_ID.findall(result.stdout + result.stderr))

    assert {"security.W004", "security.W008", "security.W012"} <= found
