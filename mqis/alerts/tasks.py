"""Background jobs about alerts, run by `mqis worker` (django-tasks with the database backend)."""

from django_tasks import task

from mqis.alerts import delivery, engine


@task()
def send_deliveries() -> dict[str, int]:
    return delivery.send_due()


@task()
def evaluate_alerts() -> dict[str, int]:
    outcome = engine.evaluate()
    return {"opened": outcome.opened, "cleared": outcome.cleared, "deliveries": outcome.deliveries}


@task()
def send_reminders() -> dict[str, int]:
    from mqis.oversight.reminders import send_reminders as send

    return send()
