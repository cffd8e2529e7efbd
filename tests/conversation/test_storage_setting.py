"""Where attachments are stored: the file system by default, an S3-compatible bucket (private
objects, never overwritten, never a public URL) when AWS_STORAGE_BUCKET_NAME is set. No S3
server runs here, so this checks the storage Django builds from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

SHOW = (
    "import json, django; django.setup(); "
    "from django.core.files.storage import storages; s = storages['default']; "
    "print(json.dumps({'cls': type(s).__module__ + '.' + type(s).__name__, "
    "'bucket': getattr(s, 'bucket_name', None), 'endpoint': getattr(s, 'endpoint_url', None), "
    "'acl': getattr(s, 'default_acl', None), 'overwrite': getattr(s, 'file_overwrite', None), "
    "'location': getattr(s, 'location', None)}))"
)


def _storage(tmp_path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path), **extra)
    out = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_attachments_go_to_the_file_system_under_var_media_by_default(tmp_path):
    shown = _storage(tmp_path)
    assert shown["cls"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert shown["location"] == str(tmp_path / "media")


def test_with_a_bucket_attachments_go_to_s3_as_private_objects(tmp_path):
    shown = _storage(
        tmp_path,
        AWS_STORAGE_BUCKET_NAME="samverka-files",
        AWS_S3_ENDPOINT_URL="https://s3.hb.example",
        AWS_LOCATION="attachments",
    )
    assert shown == {
        "cls": "storages.backends.s3.S3Storage",
        "bucket": "samverka-files",
        "endpoint": "https://s3.hb.example",
        "acl": "private",
        "overwrite": False,
        "location": "attachments",
    }
