"""The reasons a village table or a scenario was refused, in the page's language.

The readers below app/ word their reasons in English (the API and the command line show them as
they are); a page shows the same reason through the catalogue: each known wording is a pattern
whose parts (the cell as written, row numbers) are kept and put into the translated message."""

from __future__ import annotations

import re

from app.i18n import N_, Speaker

_WHAT = {
    "an amount of rupiah": N_("an amount in rupiah"),
    "a whole number of workers": N_("a whole number of workers"),
    "a number": N_("a number"),
    "a name": N_("a name"),
    "its kecamatan": N_("its kecamatan"),
}

PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"^'(?P<value>.*)' is not (?P<what>an amount of rupiah|a whole number of workers|a number)$"
        ),
        N_("'%(value)s' is not %(what)s"),
    ),
    (re.compile(r"^must be >= 0 \(got (?P<value>.*)\)$"), N_("must be 0 or more (got %(value)s)")),
    (
        re.compile(r"^must be between 0 and 1 \(got (?P<value>.*)\)$"),
        N_("must be between 0 and 1 (got %(value)s)"),
    ),
    (
        re.compile(r"^empty: (?P<what>.+?) is required \(0 if none\)$"),
        N_("empty: %(what)s is required (0 if none)"),
    ),
    (
        re.compile(r"^empty: every village needs (?P<what>a name|its kecamatan)$"),
        N_("empty: every village needs %(what)s"),
    ),
    (
        re.compile(r"^duplicate village code (?P<code>\S+): rows (?P<first>\d+) and (?P<second>\d+)$"),
        N_("village code %(code)s appears twice: rows %(first)s and %(second)s"),
    ),
    (
        re.compile(r"^'(?P<value>.*)' is not a Kemendagri village code: .*$"),
        N_("'%(value)s' is not a Kemendagri village code: 10 digits, e.g. 32.16.01.2001 or 3216012001"),
    ),
    (re.compile(r"^missing column(?P<hint> \(or 'district'\))?$"), N_("missing column")),
    (
        re.compile(r"^the column appears twice \(also as '(?P<first>.*)'\)$"),
        N_("the column appears twice (also as '%(first)s')"),
    ),
    (re.compile(r"^no matching column '(?P<column>.*)'$"), N_("no matching column '%(column)s'")),
    (
        re.compile(r"^no 'uninsured_' column: .*$"),
        N_("no 'uninsured_' column: name at least one group, e.g. uninsured_farmers"),
    ),
    (re.compile(r"^the table has no villages$"), N_("the table has no villages")),
    (re.compile(r"^the file is empty$"), N_("the file is empty")),
    (
        re.compile(r"^not a readable XLSX workbook.*$"),
        N_("not a readable XLSX workbook (save it again as .xlsx)"),
    ),
    (
        re.compile(r"^old Excel \.xls files are not read.*$"),
        N_("old Excel .xls files are not read: save it as .xlsx or CSV"),
    ),
    (
        re.compile(r"^the file is neither UTF-8 nor Windows-1252 text.*$"),
        N_("the file is neither UTF-8 nor Windows-1252 text: save it as 'CSV UTF-8' (or as XLSX)"),
    ),
    (
        re.compile(r"^\.\.\. and (?P<count>\d+) more problems not listed$"),
        N_("... and %(count)s more problems not listed"),
    ),
    (re.compile(r"^not a number: '(?P<value>.*)'$"), N_("not a number: '%(value)s'")),
    (re.compile(r"^not an amount in rupiah: '(?P<value>.*)'$"), N_("not an amount in rupiah: '%(value)s'")),
    (re.compile(r"^not a whole number: '(?P<value>.*)'$"), N_("not a whole number: '%(value)s'")),
    (
        re.compile(r"^must be from 2 to 100 \(got (?P<value>.*)\)$"),
        N_("must be from 2 to 100 (got %(value)s)"),
    ),
    (re.compile(r"^choose the lever the curve moves$"), N_("choose the lever the curve moves")),
    # the warnings of a comparison of unlike plans (scenarios.acceptance.warnings)
    (
        re.compile(
            r"^(?P<label>.+) maximises '(?P<mine>.+)', the baseline '(?P<theirs>.+)': their "
            r"objectives are not comparable\.$"
        ),
        N_(
            "%(label)s has the objective '%(mine)s', the baseline '%(theirs)s': their objectives are not "
            "comparable."
        ),
    ),
    (
        re.compile(
            r"^(?P<label>.+) was solved on another village table \(dataset (?P<mine>.+)\) than "
            r"the baseline \(dataset (?P<theirs>.+)\)\.$"
        ),
        N_(
            "%(label)s was solved on another village table (dataset %(mine)s) than the baseline "
            "(dataset %(theirs)s)."
        ),
    ),
    (
        re.compile(
            r"^(?P<label>.+) has (?P<more>\d+) villages the baseline lacks, and lacks "
            r"(?P<less>\d+) of the baseline's\.$"
        ),
        N_("%(label)s has %(more)s villages the baseline lacks, and lacks %(less)s of the baseline's."),
    ),
    (
        re.compile(r"^(?P<label>.+) is (?:whole|fractional) workers, the baseline (?:whole|fractional)\.$"),
        N_("%(label)s and the baseline differ: one plans whole workers, the other a continuous plan."),
    ),
    (
        re.compile(r"^package '(?P<code>.*)' needs a monthly premium$"),
        N_("package '%(code)s' needs a monthly premium"),
    ),
    # the multi-year block (models.scenario.MultiYear) and its fiscal year
    (re.compile(r"^give the number of years$"), N_("give the number of years")),
    (
        re.compile(r"^a growth rate must be above -100% and at most 1000%$"),
        N_("a growth rate must be above -100% and at most 1000%"),
    ),
    (
        re.compile(
            r"^give one rate, or one per later year \((?P<later>\d+) for (?P<years>\d+) years\), "
            r"not (?P<count>\d+)$"
        ),
        N_("give one rate, or one per later year (%(later)s for %(years)s years), not %(count)s"),
    ),
    (
        re.compile(r"^give one value per year \((?P<years>\d+)\), not (?P<count>\d+)$"),
        N_("give one value per year (%(years)s), not %(count)s"),
    ),
    (
        re.compile(r"^every year's coverage floor must be between 0 and 1$"),
        N_("every year's coverage floor must be between 0 and 1"),
    ),
    # why a job ended without its result (app.queue.rows)
    (re.compile(r"^interrupted by a restart of the service$"), N_("interrupted by a restart of the service")),
    (re.compile(r"^cancelled on request$"), N_("cancelled on request")),
    (
        re.compile(
            r"^the worker running this job stopped \(no sign of life for (?P<seconds>\d+) s\); "
            r"solve it again$"
        ),
        N_("the worker running this job stopped (no sign of life for %(seconds)s s); solve it again"),
    ),
    (
        re.compile(
            r"^no worker took this job within (?P<seconds>\d+) s \(are the workers running and "
            r"able to reach the database\?\); solve it again$"
        ),
        N_(
            "no worker took this job within %(seconds)s s (are the workers running and able to reach the "
            "database?); solve it again"
        ),
    ),
    (
        re.compile(
            r"^the disk where the service keeps its data is full, so the result was not saved; "
            r"free space and run it again$"
        ),
        N_(
            "the disk where the service keeps its data is full, so the result was not saved; "
            "free space and run it again"
        ),
    ),
    (
        re.compile(r"^fiscal_year is required when a package takes its premium from the contribution rules"),
        N_("the fiscal year is needed when a package takes its premium from the contribution rules"),
    ),
    (
        re.compile(
            r"^village (?P<code>\S+) is not this account's village: upload only the rows of (?P<own>.+)$"
        ),
        N_("village %(code)s is not this account's village: upload only the rows of %(own)s"),
    ),
    # a scenario's fields as the scenario reader words them (scenarios.scenario_io)
    (re.compile(r"^must be between 0 and 1$"), N_("must be between 0 and 1")),
    (re.compile(r"^must be between 0% and 100%$"), N_("must be between 0% and 100%")),
    (re.compile(r"^must be a month between 1 and 12$"), N_("must be a month between 1 and 12")),
    (re.compile(r"^must be between 1 and 120 months$"), N_("must be between 1 and 120 months")),
    (re.compile(r"^must be a finite number \(got (?P<value>.*)\)$"), N_("must be a number (got %(value)s)")),
    (re.compile(r"^must be a number \(got (?P<value>.*)\)$"), N_("must be a number (got %(value)s)")),
    (
        re.compile(r"^must be a whole number \(got (?P<value>.*)\)$"),
        N_("must be a whole number (got %(value)s)"),
    ),
    (
        re.compile(r"^must be true or false \(got (?P<value>.*)\)$"),
        N_("must be true or false (got %(value)s)"),
    ),
    (re.compile(r"^must be below (?P<limit>\S+)$"), N_("must be below %(limit)s")),
    (re.compile(r"^must be greater than (?P<limit>\S+)$"), N_("must be greater than %(limit)s")),
    (re.compile(r"^must be >= (?P<limit>\S+)$"), N_("must be %(limit)s or more")),
    (re.compile(r"^must be <= (?P<limit>\S+)$"), N_("must be %(limit)s or less")),
    (
        re.compile(r"^unknown objective '(?P<value>.*)': use max_protection or min_cost$"),
        N_("unknown objective '%(value)s': choose most protection or lowest cost"),
    ),
    (re.compile(r"^is required$"), N_("is required")),
    (re.compile(r"^(?:is required: )?list at least one package$"), N_("list at least one package")),
    (re.compile(r"^must be an object of field: value$"), N_("must be an object of field: value")),
    (re.compile(r"^must be a list$"), N_("must be a list")),
    (re.compile(r"^must be text$"), N_("must be text")),
    (
        re.compile(r"^unknown field '(?P<name>[^']*)': did you mean '(?P<close>[^']*)'\?$"),
        N_("unknown field '%(name)s': did you mean '%(close)s'?"),
    ),
    (
        re.compile(r"^unknown field '(?P<name>[^']*)' \(known: (?P<known>.*)\)$"),
        N_("unknown field '%(name)s' (known: %(known)s)"),
    ),
    (
        re.compile(r"^must be a number of rupiah, or an object from each kabupaten to its pool$"),
        N_("must be an amount in rupiah, or one amount for each kabupaten"),
    ),
    (
        re.compile(r"^the village table has no group '(?P<group>[^']*)' \(its groups: (?P<groups>.*)\)$"),
        N_("the village table has no group '%(group)s' (its groups: %(groups)s)"),
    ),
    (
        re.compile(
            r"^no village of the table is in kabupaten '(?P<name>[^']*)' \(its kabupaten: (?P<names>.*)\)$"
        ),
        N_("no village of the table is in kabupaten '%(name)s' (its kabupaten: %(names)s)"),
    ),
    # a comparison's request (app.services.comparisons)
    (
        re.compile(r"^the baseline cannot also be a compared plan$"),
        N_("the baseline cannot also be a compared plan"),
    ),
    (re.compile(r"^a plan is listed more than once$"), N_("a plan is listed more than once")),
    # a solve whose plan failed desaplan's own check (app.jobs.storage)
    (
        re.compile(r"^the plan failed its own check: (?P<why>.*)$", re.S),
        N_("the plan failed its own check: %(why)s"),
    ),
]


def reason(message: str, say: Speaker) -> str:
    """`message` in the speaker's language when it is a known wording, else as it is."""
    for pattern, translated in PATTERNS:
        found = pattern.match(message)
        if found:
            parts = {k: v for k, v in found.groupdict().items() if v is not None}
            if "what" in parts:
                parts["what"] = say.gettext(_WHAT[parts["what"]])
            return say.gettext(translated) % parts if parts else say.gettext(translated)
    return message
