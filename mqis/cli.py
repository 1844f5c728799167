"""The `mqis` command: one entry point for running, loading and administering MQIS."""

import os
import sys

SUBCOMMAND_ALIASES = {
    "serve": "serve",
    "demo": "demo",
    "seed-demo": "seed_demo",
    "migrate": "migrate",
    "import-cqc": "import_cqc",
    "create-token": "create_token",
    "create-user": "create_user",
    "load-councils": "load_councils",
    "worker": "worker",
}

USAGE = """usage: mqis COMMAND [options]

Commands:
  demo                  load the demo North West region (once) and serve it
  seed-demo             load the demo region only
  serve [--host H] [--port N] [--threads N]
                        serve MQIS over HTTP
  migrate               create or update the database tables
  import-cqc FILE [--dry-run] [--partial]
                        import a CQC locations or care directory file
  load-councils         load the reference regions and councils (ONS codes)
  worker [--once]       run background work: alert checks, reminders, e-mail, webhooks
  create-token USERNAME issue an API token for a user
  create-user USERNAME --role ROLE [--org CODE]
                        add a user with a role and organisation

Any other Django management command also works, e.g. `mqis createsuperuser`.
DATABASE_URL selects the database (SQLite file by default). See docs/settings.md.
"""


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mqis.settings")
    from django.core.management import execute_from_command_line

    command = SUBCOMMAND_ALIASES.get(args[0], args[0])
    execute_from_command_line(["mqis", command, *args[1:]])


if __name__ == "__main__":
    main()
