"""The domain's exceptions.

    DesaplanError
     └── InputError                 bad input; carries one InputIssue per problem found
          ├── VillageTableError     a village table was refused (file, row, column)
          ├── ScenarioError         a scenario was refused (field)
          └── ActualsError          an actuals file was refused (file, row, column)

Infeasible scenarios and time limits are not exceptions: they are plan statuses.
"""

from __future__ import annotations

from pydantic import BaseModel


class InputIssue(BaseModel):
    """One problem with the input, located as precisely as we can."""

    message: str
    file: str | None = None
    row: int | None = None  # 1-based row of the file, counting the header as row 1
    column: str | None = None
    field: str | None = None  # dotted path in a scenario, e.g. "budget.dana_desa_share"

    def describe(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class DesaplanError(Exception):
    """Base of every error desaplan raises on purpose."""


class InputError(DesaplanError):
    """Bad input. `issues` lists every problem found, not only the first."""

    def __init__(self, issues: list[InputIssue], title: str = "The input was refused") -> None:
        self.issues = issues
        self.title = title
        super().__init__(self.describe())

    def describe(self, limit: int = 20) -> str:
        lines = [f"{self.title} ({len(self.issues)} problem{'s' if len(self.issues) != 1 else ''}):"]
        lines += [f"  - {issue.describe()}" for issue in self.issues[:limit]]
        if len(self.issues) > limit:
            lines.append(f"  ... and {len(self.issues) - limit} more")
        return "\n".join(lines)


class VillageTableError(InputError):
    """A village table was refused whole."""

    def __init__(self, issues: list[InputIssue]) -> None:
        super().__init__(issues, title="The village table was refused")


class ScenarioError(InputError):
    """A scenario was refused."""

    def __init__(self, issues: list[InputIssue]) -> None:
        super().__init__(issues, title="The scenario was refused")


class ActualsError(InputError):
    """An actuals file (what was enrolled, per village and month) was refused whole."""

    def __init__(self, issues: list[InputIssue]) -> None:
        super().__init__(issues, title="The actuals were refused")
