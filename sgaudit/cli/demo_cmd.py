"""``sgaudit demo``: ``check`` on the snapshot shipped inside the package (an internet-facing ALB, a Fargate
service, PostgreSQL on RDS, a bastion, and the classic mistakes), writing every report format. It needs no
AWS credentials."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sgaudit.cli.check_cmd import use_color, write_outputs
from sgaudit.demo import intents_path, snapshot_path
from sgaudit.errors import ExitCode
from sgaudit.findings import Severity
from sgaudit.formats import OutputFormat, default_filename
from sgaudit.pipeline import exit_code, now_iso, render_output, run_check

NAME = "demo"
HELP = "run check on the demo snapshot shipped with sgaudit and write every report format"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``sgaudit demo``."""
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        type=Path,
        default=Path("sgaudit-demo"),
        help="folder for report.html, findings.json, findings.sarif, junit.xml, summary.md, report.txt"
        " (default: ./sgaudit-demo)",
    )


def run(args: argparse.Namespace) -> int:
    """Write every format into the folder and print the text report; exit 0 when the demo ran."""
    result = run_check(snapshot_path(), config_path=intents_path(), generated_at=now_iso())
    out: Path = args.output
    write_outputs(result, [(fmt.value, out / default_filename(fmt)) for fmt in OutputFormat])
    sys.stdout.write(render_output("text", result, color=use_color(sys.stdout)))
    would = exit_code(result, Severity.HIGH)
    print(f"\nsgaudit demo: wrote {', '.join(default_filename(f) for f in OutputFormat)} to {out}/")
    print(f"(`sgaudit check` on this snapshot would exit {would}: the demo's mistakes are planted)")
    return int(ExitCode.CLEAN)
