"""A fetch killed anywhere (SIGKILL, a worker crash) imports nothing twice and loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

from inbound.addresses import reply_address_get, reply_to
from inbound.models import InboundMail, Outcome
from inbound.services import mail_fetch
from tests.conftest import ROOT
from tests.factories import make_case
from tests.inbound.conftest import PDF, client_reply

# Runs `manage.py`-like: patches one step of the fetch to announce itself and hang there, so
# the test kills the process at exactly that point.
SCRIPT = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from inbound import mailbox, port
    where = sys.argv[1]

    def hang(*args, **kwargs):
        print("reached", where, flush=True)
        time.sleep(600)

    if where == "move":
        mailbox.Mailbox.move = hang
    else:
        port.reply_add = hang
    from inbound.services import mail_fetch
    mail_fetch()
    """
)


def _fetch_killed_at(where: str, tmp_path) -> None:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "INBOUND_IMAP_URL": settings.INBOUND_IMAP_URL,
        "VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, where],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline()  # blocks until the step is reached (or the process died)
        assert line.strip() == f"reached {where}", line + proc.stderr.read()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture
def case(transactional_db, postgres, directory, imap):
    case = make_case()
    case.reply_to = reply_to(reply_address_get(case_id=case.pk))
    return case


def messages_of(case):
    from conversation.models import Message

    return list(Message.objects.filter(case=case))


def test_killed_after_the_import_committed_but_before_the_move_imports_nothing_twice(
    case, imap, tmp_path
):
    imap.append(client_reply(to=case.reply_to, files=(("agenda.pdf", "application/pdf", PDF),)))

    _fetch_killed_at("move", tmp_path)

    assert len(messages_of(case)) == 1
    assert InboundMail.objects.get().outcome == Outcome.IMPORTED
    assert imap.count("INBOX") == 1, "the kill came before the move"

    report = mail_fetch()

    assert report.counts == {"resumed": 1}
    assert len(messages_of(case)) == 1, "no duplicate"
    assert imap.count("INBOX") == 0 and imap.count("Processed") == 1


def test_killed_after_deciding_but_before_importing_finishes_the_import_next_time(
    case, imap, tmp_path
):
    imap.append(client_reply(to=case.reply_to, files=(("agenda.pdf", "application/pdf", PDF),)))

    _fetch_killed_at("import", tmp_path)

    assert InboundMail.objects.get().outcome == Outcome.PENDING
    assert messages_of(case) == []

    assert mail_fetch().counts == {"imported": 1}
    [message] = messages_of(case)
    assert [a.filename for a in message.attachments.all()] == ["agenda.pdf"]
    assert imap.count("INBOX") == 0
    assert mail_fetch().counts == {}
