"""The real worker, run as `mqis worker` in its own process against the test database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from mqis.alerts.models import AlertRule, Delivery, WebhookEndpoint
from mqis.alerts.tasks import send_deliveries
from mqis.jobs import runner
from mqis.jobs.models import ScheduledJob
from mqis.jobs.schedule import SCHEDULE
from mqis.lib.receiver import Receiver
from mqis.lib.testing import build_market, care_home_values
from mqis.returns.periods import current_period
from mqis.returns.services import submit_return
from mqis.returns.templates import current_template

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def start_worker(**env: str) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "mqis.settings",
                   "MQIS_DELIVERY_RETRY_SECONDS": "1", **env}
    return subprocess.Popen([sys.executable, "-m", "django", "worker", "--interval", "0.2"],
                            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(worker: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    worker.send_signal(sig)
    worker.wait(timeout=10)


def wait_until(check, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def alert_with_webhook(receiver):
    AlertRule.objects.filter(key="overdue").update(enabled=False)
    market = build_market()
    WebhookEndpoint.objects.create(name="Hook", url=receiver.url, secret="s", council=market.manchester)

    def raise_alert() -> None:
        template = current_template("care-home")
        submit_return(market.provider_user, market.home_a, template, current_period(template),
                      care_home_values(ppe_days_gloves="1"), channel="form")
    return raise_alert


def test_the_worker_delivers_a_new_alert_and_a_restart_sends_nothing_twice(alert_with_webhook, receiver):
    worker = start_worker()
    try:
        alert_with_webhook()
        delivered = receiver.wait_for(1, timeout=20) and wait_until(
            lambda: Delivery.objects.get(channel="webhook").status == "sent")
    finally:
        stop(worker)  # killed outright, as a crash would
    assert delivered, worker.stderr.read().decode() if worker.stderr else ""
    restarted = start_worker()
    try:
        # Give the new worker time for several rounds, including the scheduled retry sweep.
        time.sleep(3)
    finally:
        stop(restarted, signal.SIGTERM)
    assert len(receiver.received) == 1
    assert Delivery.objects.get(channel="webhook").status == "sent"


def test_a_delivery_cut_off_by_a_dying_worker_is_sent_again_under_the_same_id(alert_with_webhook, receiver):
    receiver.delay = 3  # the receiver is slow: the worker dies while it waits
    worker = start_worker(MQIS_DELIVERY_LEASE_SECONDS="2")
    try:
        alert_with_webhook()
        assert receiver.wait_for(1)
    finally:
        stop(worker)
    receiver.delay = 0
    restarted = start_worker(MQIS_DELIVERY_LEASE_SECONDS="2")
    try:
        assert wait_until(lambda: Delivery.objects.get(channel="webhook").status == "sent")
    finally:
        stop(restarted, signal.SIGTERM)
    ids = {r.headers["X-MQIS-Delivery"] for r in receiver.received}
    assert ids == {str(Delivery.objects.get(channel="webhook").uid)}
    assert Delivery.objects.filter(channel="webhook").count() == 1


def test_a_job_left_running_by_a_dead_worker_is_run_again(db):
    result = send_deliveries.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=["worker-that-died"])
    assert runner.recover() == 1
    runner.run("test-worker", once=True)
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"


def test_a_job_that_keeps_killing_its_worker_is_given_up(db):
    result = send_deliveries.enqueue()
    dead = [f"dead-{n}" for n in range(runner.MAX_TRIES)]
    DBTaskResult.objects.filter(pk=result.id).update(status="RUNNING", worker_ids=dead)
    runner.recover()
    job = DBTaskResult.objects.get(pk=result.id)
    assert job.status == "FAILED" and "stopped 3 times" in job.traceback


def test_each_scheduled_job_is_enqueued_once_per_interval_however_many_workers(db, settings):
    settings.MQIS_ALERT_EVALUATION_SECONDS = 300
    first = runner.enqueue_due()
    second = runner.enqueue_due()  # a second worker, a moment later
    assert "mqis.alerts.tasks.evaluate_alerts" in first and second == []
    assert ScheduledJob.objects.count() == len(SCHEDULE)


def test_the_scheduled_jobs_run(db):
    AlertRule.objects.filter(key="overdue").update(enabled=True)
    runner.run("test-worker", once=True)
    names = set(DBTaskResult.objects.filter(status="SUCCESSFUL").values_list("task_path", flat=True))
    assert names == {job.task_path for job in SCHEDULE}


def test_a_stop_signal_stops_the_worker_promptly(db):
    from mqis.jobs.models import WorkerHeartbeat

    worker = start_worker()
    assert wait_until(lambda: WorkerHeartbeat.objects.exists())  # it is up and running
    stop(worker, signal.SIGTERM)  # wait() in stop() fails the test if it takes over 10 s
    assert worker.returncode == 0, worker.stderr.read().decode() if worker.stderr else ""


def test_a_worker_keeps_beating_while_it_runs(db):
    from mqis.jobs.models import WorkerHeartbeat

    worker = start_worker()
    try:
        assert wait_until(lambda: WorkerHeartbeat.objects.exists())
        first = WorkerHeartbeat.objects.get().seen_at
        assert wait_until(lambda: WorkerHeartbeat.objects.get().seen_at > first, timeout=12)
    finally:
        stop(worker, signal.SIGTERM)
