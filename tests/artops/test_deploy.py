"""Deployment: production settings pass Django's deploy checks, refuse bad configuration, and
the operator's files (docker-compose.yml, .env.example, README.md) stay true to the settings."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]
# Variables the test settings and the browser tests put into os.environ; a production process
# must not inherit them.
TEST_ONLY_VARIABLES = [
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "STATIC_MANIFEST",
]


def production_environment(**overrides: str) -> dict[str, str]:
    """The environment of a production process: no test defaults, the suite's own services."""
    env = {name: value for name, value in os.environ.items() if name not in TEST_ONLY_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="artops.settings",
        DATABASE_URL=settings.DATABASE_URL,
        REDIS_URL=settings.REDIS_URL,
    )
    env.update(overrides)
    return env


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_checks():
    env = production_environment(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="artops.example.com",
    )
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    result = run_python(["-c", LOAD_SETTINGS], production_environment(DEBUG="false"))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "Set SECRET_KEY" in result.stderr


def test_code_only_commands_run_without_a_secret_key():
    result = run_python(["manage.py", "makemigrations", "--check", "--dry-run"], production_environment(DEBUG="false"))
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.parametrize("command", [["migrate", "--plan"], ["check", "--deploy"]])
def test_other_commands_still_refuse_without_a_secret_key(command):
    result = run_python(["manage.py", *command], production_environment(DEBUG="false"))
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_settings_without_a_secret_key_start_in_debug_mode():
    result = run_python(["-c", LOAD_SETTINGS], production_environment(DEBUG="true"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "maybe"), ("SECURE_COOKIES", "sometimes")])
def test_settings_refuse_a_malformed_boolean(name, value):
    env = production_environment(SECRET_KEY=secrets.token_urlsafe(60), **{name: value})
    result = run_python(["-c", LOAD_SETTINGS], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be true or false, not '{value}'" in result.stderr


def test_settings_refuse_a_malformed_number():
    env = production_environment(SECRET_KEY=secrets.token_urlsafe(60), LOGIN_FAILURE_LIMIT="five")
    result = run_python(["-c", LOAD_SETTINGS], env)
    assert result.returncode != 0
    assert "LOGIN_FAILURE_LIMIT must be a whole number" in result.stderr


# --- docker compose -----------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification():
    # The tools of the virtualenv sit beside its interpreter (not resolved: that is the system's).
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(  # noqa: S603
        [str(checker), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


APP_SERVICES = ("migrate", "web", "worker", "beat")
SERVICES_UP = {"postgres": {"condition": "service_healthy"}, "redis": {"condition": "service_healthy"}}
GUNICORN = ["gunicorn", "artops.wsgi", "--config", "python:artops.gunicorn_conf"]


def test_compose_runs_the_app_with_its_services(compose):
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "proxy", "worker", "beat"} <= services.keys()
    for name in ("postgres", "redis", "web"):
        assert services[name]["healthcheck"]["test"], name
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    assert "/health/ready/" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "artops", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "artops", "beat"]


def test_every_app_service_runs_the_same_image_with_the_same_configuration(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        for key in ("build", "image", "env_file", "environment"):
            assert services[name][key] == services["web"][key], (name, key)


def test_compose_migrates_once_before_the_app_starts(compose):
    services = compose["services"]
    migrating = [name for name, service in services.items() if "migrate" in " ".join(service.get("command", []))]
    assert migrating == ["migrate"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"  # a job: once done, it stays done
    assert services["migrate"]["depends_on"] == SERVICES_UP
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {
            **SERVICES_UP,
            "migrate": {"condition": "service_completed_successfully"},
        }, name


def test_compose_serves_several_web_replicas_behind_one_address(compose):
    services = compose["services"]
    web, proxy = services["web"], services["proxy"]
    replicas = re.fullmatch(r"\$\{WEB_REPLICAS:-(\d+)\}", str(web["deploy"]["replicas"]))
    assert replicas and int(replicas.group(1)) >= 2
    # The proxy is the one address on the host; a replica publishes nothing (nor does any other service).
    assert proxy["ports"] == ["127.0.0.1:8000:8000"]
    assert [name for name, service in services.items() if service.get("ports")] == ["proxy"]
    assert proxy["image"].startswith("nginx:1.27.")
    assert web["command"] == GUNICORN
    # nginx's site comes from the compose file itself.
    assert proxy["configs"] == [{"source": "nginx", "target": "/etc/nginx/conf.d/default.conf"}]
    site = compose["configs"]["nginx"]["content"]
    assert "server web:8000 resolve" in site and "resolver 127.0.0.11" in site
    assert "listen 8000;" in site and "proxy_pass http://artops_web;" in site
    # Compose interpolates the text: nginx's variables must be escaped, and none may be left bare.
    assert "proxy_set_header Host $$http_host;" in site
    assert re.search(r"(?<!\$)\$[a-z_]", site) is None


def test_the_proxy_takes_the_largest_upload_the_app_accepts(compose):
    from planning import jira_import

    site = compose["configs"]["nginx"]["content"]
    limit = re.search(r"client_max_body_size (\d+)m;", site)
    assert limit and int(limit.group(1)) * 1024 * 1024 > jira_import.MAX_BYTES


def test_the_image_serves_with_the_gunicorn_configuration():
    text = (BASE_DIR / "Dockerfile").read_text()
    assert f"CMD {json.dumps(GUNICORN)}" in text


def gunicorn_environment(**overrides: str) -> dict[str, str]:
    """A production environment with none of gunicorn's variables but ``overrides``."""
    env = production_environment()
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "PORT", "BIND", "FORWARDED_ALLOW_IPS"):
        env.pop(name, None)
    return env | overrides


def test_the_gunicorn_configuration_is_read_from_the_environment():
    show = (
        "import json, artops.gunicorn_conf as c; "
        "print(json.dumps([c.worker_class, c.workers, c.threads, c.bind, c.keepalive, c.timeout]))"
    )
    defaults = run_python(["-c", show], gunicorn_environment())
    assert defaults.returncode == 0, defaults.stderr
    assert json.loads(defaults.stdout) == ["gthread", 2, 8, ["0.0.0.0:8000"], 75, 30]
    changed = run_python(["-c", show], gunicorn_environment(WEB_CONCURRENCY="3", WEB_THREADS="4", PORT="9000"))
    assert json.loads(changed.stdout)[1:4] == [3, 4, ["0.0.0.0:9000"]]
    bound = run_python(["-c", show], gunicorn_environment(BIND="127.0.0.1:8123", PORT="9000"))
    assert json.loads(bound.stdout)[3] == ["127.0.0.1:8123"]
    malformed = run_python(["-c", show], gunicorn_environment(WEB_THREADS="many"))
    assert malformed.returncode != 0
    assert "WEB_THREADS must be a whole number, not 'many'" in malformed.stderr


def test_compose_keeps_the_database_in_a_named_volume(compose):
    mounts = compose["services"]["postgres"]["volumes"]
    data_mounts = [mount for mount in mounts if mount.endswith(":/var/lib/postgresql/data")]
    assert len(data_mounts) == 1
    volume = data_mounts[0].split(":")[0]
    assert volume in compose["volumes"]


# --- every setting documented -------------------------------------------------------------

# env_str("NAME", ...) and friends in settings and gunicorn's configuration, os.environ.get("NAME") in
# the embedded services.
# (XDG_RUNTIME_DIR, which embedded.py only fills in for a library, is not ARTops configuration.)
SETTING_READ = re.compile(
    r'\benv_(?:str|bool|int|list)\(\s*"([A-Z][A-Z0-9_]*)"|\bos\.environ\.get\(\s*"([A-Z][A-Z0-9_]*)"'
)


def variables_read() -> list[str]:
    names: set[str] = set()
    for source in ("artops/settings.py", "artops/embedded.py", "artops/env.py", "artops/gunicorn_conf.py"):
        for match in SETTING_READ.finditer((BASE_DIR / source).read_text()):
            names.add(match.group(1) or match.group(2))
    return sorted(names)


def test_the_settings_read_the_variables_this_test_knows_about():
    # Guards the regex itself: a handful it must find.
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "ARTOPS_DATA_DIR"} <= set(variables_read())


@pytest.mark.parametrize("name", variables_read())
def test_every_variable_is_in_env_example(name):
    # A line `NAME=value`, or `# NAME=value` for one left at its default.
    text = (BASE_DIR / ".env.example").read_text()
    assert re.search(rf"^(# )?{name}=\S*", text, re.MULTILINE), f"{name} is missing from .env.example"


@pytest.mark.parametrize("name", variables_read())
def test_every_variable_is_in_the_readme_configuration_table(name):
    text = (BASE_DIR / "README.md").read_text()
    assert re.search(rf"^\| `{name}` \|", text, re.MULTILINE), f"{name} is missing from README.md's table"
