"""The `proxvps` command: Django management with our settings, plus the sandbox.

`proxvps migrate`, `proxvps createsuperuser`, `proxvps check-server NAME`, `proxvps demo` ... are management
commands. `proxvps sandbox` needs no database, so it runs without setting Django up; `proxvps demo` picks its data
directory before Django reads the settings.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] == "sandbox":
        from proxvps.sandbox.cli import main as sandbox_main

        return sandbox_main(args[2:])
    if len(args) > 1 and args[1] == "demo":
        from proxvps.demo import main as demo_main

        return demo_main(args[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxvps.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["proxvps", *args[1:]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
