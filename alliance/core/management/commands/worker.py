from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand


class Command(DBWorkerCommand):
    help = (
        "Run a background worker: sends email and does other queued work. Run one or more "
        "beside the web processes; each takes the next task no other worker holds."
    )
