"""`alliance worker`: runs queued tasks, sends the outbox, and runs the periodic jobs.

Why one loop and not a self-re-enqueuing "flush" task: a task chain breaks for good when
the worker running its link dies (the link stays "running" forever) and multiplies when
two links get queued; a loop in every worker cannot break or multiply. So each worker
process, in turn, round after round:

1. drains due outbox messages, `--outbox-batch` at a time, straight away while batches
   come back full and then every `--outbox-interval` seconds (claims make several workers
   safe together, see `alliance.outbox.services`);
2. takes one step of the periodic pass (`PERIODIC_JOBS`, e.g. queueing nudges), started
   every `--jobs-interval` seconds: a step is one chunk of one job, so however much is
   due, mail queued meanwhile leaves between two steps; every job is idempotent, so
   several workers running it are harmless, and a pass cut short is simply done again;
3. posts due webhook deliveries, `--webhooks-batch` at a time, on the outbox's rhythm
   (claimed the same way, see `alliance.webhooks.services`);
4. runs the next django-tasks task from the database queue, as `db_worker` does.

A SIGTERM (or Ctrl-C) lets the current batch, step or task finish, then the worker
exits: nothing is cut off halfway. A second one exits at once. A SIGKILL loses nothing
either: claimed messages are sent again once their claim times out.
"""

import logging
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import close_old_connections
from django.db.utils import OperationalError
from django.utils.translation import gettext_noop
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker, valid_interval
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from alliance.core.database import migrations_pending, not_set_up_message
from alliance.lib.env import envint
from alliance.outbox.digests import digests_queue_in_chunks
from alliance.outbox.nudges import nudges_queue_in_chunks
from alliance.outbox.services import send_due
from alliance.record.takeout import data_copies_build_in_chunks, data_copies_expire_in_chunks
from alliance.tending.services import checkin_reminders_in_chunks
from alliance.webhooks.services import deliver_due, deliveries_prune_in_chunks

logger = logging.getLogger("alliance.worker")

# (name, job): each runs every --jobs-interval seconds in every worker; each must be
# idempotent, since several workers run them side by side. A job returns its steps (an
# iterator doing one chunk of the work per item), which the worker interleaves with mail.
PERIODIC_JOBS: list[tuple[str, Callable[[], Iterable[object]]]] = [
    ("nudges", nudges_queue_in_chunks),
    ("check-in reminders", checkin_reminders_in_chunks),
    ("daily digests", digests_queue_in_chunks),
    ("copies of people's data", data_copies_build_in_chunks),
    ("expired copies of people's data", data_copies_expire_in_chunks),
    ("old webhook deliveries", deliveries_prune_in_chunks),
]
# The longest a worker sleeps at once, so that a stop signal ends it quickly.
NAP = 0.25


def periodic_pass() -> Iterator[str]:
    """Every periodic job, one step at a time (yields the job's name after each step). A
    job that fails is logged and left for the next pass; the others still run."""
    for name, job in PERIODIC_JOBS:
        try:
            for _ in job():
                yield name
        except Exception:
            logger.exception("%s failed; trying again on the next round", name)


class AllianceWorker(Worker):
    def __init__(
        self,
        *,
        outbox_interval: float,
        outbox_batch: int,
        jobs_interval: float,
        webhooks_batch: int = 20,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.outbox_interval = outbox_interval
        self.outbox_batch = outbox_batch
        self.jobs_interval = jobs_interval
        self.webhooks_batch = webhooks_batch

    def run(self) -> None:
        logger.info("Starting worker %s", self.worker_id)
        next_flush = next_jobs = next_hooks = time.monotonic()
        periodic: Iterator[str] | None = None
        while self.running:
            close_old_connections()
            busy = False
            if time.monotonic() >= next_flush:
                full = self._guarded("outbox", self._flush)
                busy = busy or full
                if not full:
                    next_flush = time.monotonic() + self.outbox_interval
            if self.running and time.monotonic() >= next_hooks:
                full = self._guarded("webhooks", self._deliver)
                busy = busy or full
                if not full:
                    next_hooks = time.monotonic() + self.outbox_interval
            if periodic is None and time.monotonic() >= next_jobs:
                periodic = periodic_pass()
                next_jobs = time.monotonic() + self.jobs_interval
            if periodic is not None and self.running:
                # One step; the pass logs and skips what fails, so this never raises.
                if next(periodic, None) is None:
                    periodic = None
                else:
                    busy = True
            if self.running and self._run_next_task():
                busy = True
            close_old_connections()
            if self.batch and not busy:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and not busy:
                self._nap(min(self.interval, min(next_flush, next_hooks) - time.monotonic()))

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        """The first signal asks the loop to stop after what it is doing; unlike
        db_worker's, it never exits from inside the handler, where a claim just made or
        a step half done could be cut off. A second signal exits at once."""
        if not self.running:
            super().shutdown(signum, frame)
            return
        logger.warning("Received %s: stopping after the current step", signal.strsignal(signum))
        self.running = False

    def _nap(self, seconds: float) -> None:
        """Sleep up to `seconds`, waking early once asked to stop."""
        end = time.monotonic() + max(0.0, seconds)
        while self.running and (left := end - time.monotonic()) > 0:
            time.sleep(min(left, NAP))

    def _flush(self) -> bool:
        """Send one batch; True when it was full (more may be due)."""
        report = send_due(limit=self.outbox_batch, worker_id=self.worker_id)
        if report.claimed:
            logger.info(
                "Outbox: %d sent, %d to retry, %d failed, %d cancelled",
                report.sent,
                report.retried,
                report.failed,
                report.cancelled,
            )
        return report.claimed >= self.outbox_batch

    def _deliver(self) -> bool:
        """Post one batch of webhook deliveries; True when it was full (more may be due)."""
        report = deliver_due(limit=self.webhooks_batch, worker_id=self.worker_id)
        if report.claimed:
            logger.info(
                "Webhooks: %d delivered, %d to retry, %d failed, %d not sent",
                report.delivered,
                report.retried,
                report.failed,
                report.cancelled,
            )
        return report.claimed >= self.webhooks_batch

    def _guarded(self, name: str, job: Callable[[], object]) -> bool:
        """Run `job` so that its failure (say, the database restarting) is logged and
        retried on the next round instead of killing the worker."""
        try:
            return bool(job())
        except Exception:
            logger.exception("%s failed; trying again on the next round", name)
            return False

    def _run_next_task(self) -> bool:
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except OperationalError as error:
                if not is_locked_database_exception(error):
                    raise
                return False
        if task_result is None:
            return False
        self.run_task(task_result)
        return True


class Command(DBWorkerCommand):
    help = gettext_noop(
        "Run a background worker: send the outbox and webhooks, queue reminders, nudges and "
        "digests, prepare copies of people's data. Run one or more beside the web processes; "
        "workers never take the same email, delivery or task."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--outbox-interval",
            type=valid_interval,
            default=envint("ALLIANCE_OUTBOX_INTERVAL", 1),
            help="Seconds between looks at the outbox when it is empty (default: 1).",
        )
        parser.add_argument(
            "--outbox-batch",
            type=int,
            default=50,
            help="Emails claimed and sent per batch (default: 50).",
        )
        parser.add_argument(
            "--webhooks-batch",
            type=int,
            default=20,
            help="Webhook deliveries claimed and posted per batch (default: 20).",
        )
        parser.add_argument(
            "--jobs-interval",
            type=valid_interval,
            default=60,
            help="Seconds between runs of the periodic jobs, such as nudges (default: 60).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Its loop logs and retries every failure, so a database without tables would
        # fill the log: refuse to start instead.
        if migrations_pending():
            raise CommandError(not_set_up_message())
        self.configure_logging(options["verbosity"])
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler(self.stdout))
        logger.setLevel(logging.INFO if options["verbosity"] >= 1 else logging.WARNING)
        if settings.BASE_URL_DERIVED and not settings.DEBUG:
            logger.warning(
                "ALLIANCE_BASE_URL is not set: the links this worker emails start with %s, "
                "derived from HOST and PORT. Set it to the address people open.",
                settings.BASE_URL,
            )
        queue_names = options["queue_name"].split(",")
        exclude = options["exclude_queues"]
        worker = AllianceWorker(
            # A batch run ends when nothing is left, so it looks at the outbox every round.
            outbox_interval=0 if options["batch"] else options["outbox_interval"],
            outbox_batch=options["outbox_batch"],
            jobs_interval=options["jobs_interval"],
            webhooks_batch=options["webhooks_batch"],
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=exclude.split(",") if exclude else [],
        )
        worker.configure_signals()
        worker.run()
