"""The bodies of `desaplan letters` and `desaplan brief`: the documents a district hands out, from a
written plan.json or from a village table and scenario solved on the spot.

Exit status: 0 written, 2 bad input (the message names the file and field), 3 the plan has no
targets (infeasible, or no plan at the time limit): no letters for it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from models import InputError, InputIssue

if TYPE_CHECKING:
    from app.i18n import Lang
    from documents import Letterhead
    from models import Plan, Scenario

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_NO_TARGETS = 0, 1, 2, 3
COMMANDS = ("letters", "brief", "boundaries")

# the letterhead fields a command-line option may set (over the --letterhead file's)
_LETTERHEAD_OPTIONS = (
    "kabupaten",
    "government",
    "office",
    "address",
    "place",
    "issuer",
    "number",
    "nature",
    "subject",
    "signatory_title",
    "signatory_name",
    "signatory_nip",
    "budget_line",
)


def _plan_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plan", type=Path, help="a plan.json written by `desaplan solve`")
    parser.add_argument("--villages", type=Path, help="village table (CSV or XLSX), to solve here")
    parser.add_argument(
        "--scenario", type=Path, help="scenario (JSON or YAML): to solve with --villages, or the plan's own"
    )
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds, when solving here")
    parser.add_argument(
        "--lang",
        choices=["id", "en"],
        default=None,
        help="the document's language (default DESAPLAN_LANG, else Indonesian)",
    )


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`letters` and `brief`, added to `desaplan`'s parser."""
    letters = commands.add_parser(
        "letters", help="a circular letter with its attachment for every village of a plan (PDF)"
    )
    _plan_inputs(letters)
    letters.add_argument(
        "--out",
        required=True,
        type=Path,
        help="folder: one PDF per village (by kecamatan) and letters.pdf with them all",
    )
    letters.add_argument("--zip", action="store_true", help="also letters.zip of the villages' PDFs")
    letters.add_argument(
        "--letterhead", type=Path, help="the district's letterhead, signatory, number (YAML or JSON)"
    )
    letters.add_argument("--date", type=dt.date.fromisoformat, help="the letter's date, YYYY-MM-DD")
    letters.add_argument("--plan-ref", help="the plan's number as the letters cite it")
    letters.add_argument("--plan-date", type=dt.date.fromisoformat, help="the plan's date, YYYY-MM-DD")
    for field in _LETTERHEAD_OPTIONS:
        letters.add_argument(
            f"--{field.replace('_', '-')}",
            dest=field,
            default=None,
            help=f"the letterhead's {field.replace('_', ' ')}",
        )
    letters.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes compiling letters (from 1,000 letters on)",
    )
    letters.add_argument("--quiet", action="store_true", help="no progress bar on stderr")

    brief = commands.add_parser("brief", help="a one- or two-page brief of a plan for the meeting (PDF)")
    _plan_inputs(brief)
    brief.add_argument("--out", required=True, type=Path, help="the brief's PDF file")
    brief.add_argument(
        "--boundaries",
        type=Path,
        help="the district's boundaries (GeoJSON or zipped shapefile): a map in the brief",
    )
    brief.add_argument("--kabupaten", default="", help="the kabupaten's name, for a table without one")

    shapes = commands.add_parser(
        "boundaries", help="check boundaries (GeoJSON, zipped shapefile) against a village table"
    )
    shapes.add_argument("file", type=Path, help="desa and/or kecamatan shapes keyed by Kemendagri code")
    shapes.add_argument("--villages", required=True, type=Path, help="village table (CSV or XLSX)")
    shapes.add_argument("--out", type=Path, help="write the checked shapes as GeoJSON here")


def run(args: argparse.Namespace) -> int:
    try:
        if args.command == "letters":
            return _letters(args)
        if args.command == "boundaries":
            return _boundaries(args)
        return _brief(args)
    except InputError as exc:
        print(exc.describe(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"desaplan: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _lang(args: argparse.Namespace) -> Lang:
    from app.i18n import lang_from_env

    return "en" if (args.lang or lang_from_env("id")) == "en" else "id"


def _read_plan(args: argparse.Namespace) -> tuple[Plan, Scenario | None, str, dt.date]:
    """The plan (read, or solved here), its scenario when known, its reference and its date."""
    from models import Plan, SolveOptions

    if args.plan is not None:
        if args.villages is not None:
            raise InputError(
                [InputIssue(message="give --plan, or --villages with --scenario, not both")],
                title="Bad options",
            )
        try:
            plan = Plan.model_validate_json(args.plan.read_bytes())
        except ValueError as exc:
            raise InputError(
                [InputIssue(file=str(args.plan), message=f"not a plan.json: {exc}")],
                title="The plan could not be read",
            ) from exc
        scenario = None
        if args.scenario is not None:
            import scenarios

            scenario = scenarios.read_scenario(args.scenario)
        written = dt.datetime.fromtimestamp(args.plan.stat().st_mtime, tz=dt.UTC).date()
        return plan, scenario, args.plan.name, written
    if args.villages is None or args.scenario is None:
        raise InputError(
            [InputIssue(message="give --plan, or --villages with --scenario")], title="Bad options"
        )
    import scenarios
    import solver
    from models import Problem

    table = scenarios.read_villages(args.villages)
    scenario = scenarios.check_scenario_fits(scenarios.read_scenario(args.scenario), table)
    plan = solver.solve(Problem(table=table, scenario=scenario), SolveOptions(time_limit_s=args.time_limit))
    return plan, scenario, args.scenario.name, dt.date.today()


def _letterhead(args: argparse.Namespace) -> Letterhead:
    from documents import Letterhead, letterhead_from_data, read_letterhead

    base = read_letterhead(args.letterhead) if args.letterhead is not None else Letterhead()
    given = {field: getattr(args, field) for field in _LETTERHEAD_OPTIONS if getattr(args, field)}
    if args.date is not None:
        given["date"] = args.date
    return letterhead_from_data({**base.model_dump(), **given}, "options")


def _letters(args: argparse.Namespace) -> int:
    from documents import MERGED_NAME, PlanRef, letter_book, write_letters

    letterhead = _letterhead(args)
    plan, _, ref, written = _read_plan(args)
    if not plan.has_targets:
        print(
            f"desaplan letters: the plan is {plan.status.value}: it has no targets, so no letters",
            file=sys.stderr,
        )
        return EXIT_NO_TARGETS
    book = letter_book(
        plan, letterhead, PlanRef(args.plan_ref or ref, args.plan_date or written), _lang(args)
    )
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(book.letters), unit="letter", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(done - bar.n)

    try:
        paths = write_letters(book, args.out, progress, zipped=args.zip, workers=max(1, args.workers))
    finally:
        if bar is not None:
            bar.close()
    print(
        f"desaplan letters: {len(paths)} letters in {args.out} (by kecamatan) and "
        f"{args.out / MERGED_NAME}; plan fingerprint {book.fingerprint}"
    )
    return EXIT_OK


def _brief(args: argparse.Namespace) -> int:
    from app.services.documents import brief_for_plan_files

    plan, scenario, ref, written = _read_plan(args)
    if scenario is None:
        raise InputError(
            [
                InputIssue(
                    message="give --scenario with --plan: the brief opens with the plan "
                    "in short, which names the scenario's money"
                )
            ],
            title="Bad options",
        )
    pdf = brief_for_plan_files(
        plan,
        scenario,
        _lang(args),
        ref,
        written,
        args.kabupaten,
        args.boundaries,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pdf)
    print(f"desaplan brief: {args.out}")
    return EXIT_OK


def _boundaries(args: argparse.Namespace) -> int:
    """`desaplan boundaries`: the file checked against the table; the villages without a shape."""
    import json

    import scenarios
    from maps import read_boundaries

    table = scenarios.read_villages(args.villages)
    shapes = read_boundaries(args.file.read_bytes(), str(args.file), {v.village_code for v in table.villages})
    levels = shapes.levels
    print(
        f"desaplan boundaries: {args.file}: {levels.get('desa', 0)} desa and {levels.get('kecamatan', 0)} "
        f"kecamatan shapes, every code known to {args.villages.name}"
    )
    if shapes.missing:
        shown = ", ".join(shapes.missing[:20]) + (" ..." if len(shapes.missing) > 20 else "")
        print(f"  {len(shapes.missing)} villages have no shape: {shown}")
    if args.out is not None:
        args.out.write_text(json.dumps({**shapes.geojson(), "missing": shapes.missing}), encoding="utf-8")
    return EXIT_OK
