"""The sign-in settings come from the environment; a bad value stops start-up with its name."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def start(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OIDC_")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OIDC_ROLE_MAP": "samverka-admins=boss"}, "OIDC_ROLE_MAP"),
        ({"OIDC_RP_CLIENT_ID": "samverka"}, "OIDC_RP_CLIENT_SECRET"),
        (
            {"OIDC_RP_CLIENT_ID": "samverka", "OIDC_RP_CLIENT_SECRET": "s"},
            "OIDC_OP_DISCOVERY_URL",
        ),
        ({"LOCAL_PASSWORDS": "maybe"}, "LOCAL_PASSWORDS"),
    ],
)
def test_a_bad_sign_in_setting_stops_start_up_with_its_name(env, named):
    result = start(**env)
    assert result.returncode != 0
    assert named in result.stderr.splitlines()[-1]


def test_a_complete_sso_configuration_starts(tmp_path):
    result = start(
        OIDC_RP_CLIENT_ID="samverka",
        OIDC_RP_CLIENT_SECRET="s",
        OIDC_OP_DISCOVERY_URL="https://login.hb.example/.well-known/openid-configuration",
        OIDC_ROLE_MAP="samverka-coordinators=coordinator, samverka-admins=admin",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
