"""The village table (contract section 1): one row per desa or kelurahan."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_KABUPATEN = ""  # the one kabupaten of a table that has no `kabupaten` column

# The ranges every stored number lies in (bounds exclusive): a village has fewer than a billion
# workers in a group, a budget below 10^16 rupiah (Indonesia's whole state budget is about
# 3.5 x 10^15), a weight below a million. Beyond them a number is a typing slip, and it would no
# longer fit the solver's 64-bit integers or keep the LP well scaled.
MAX_WORKERS = 10**9
MAX_RUPIAH = 10**16
MAX_WEIGHT = 10**6

WorkerCount = Annotated[int, Field(ge=0, lt=MAX_WORKERS)]


class Village(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    village_code: str  # Kemendagri code, dotted: "32.16.01.2001"
    village_name: str
    kecamatan: str
    kabupaten: str = DEFAULT_KABUPATEN
    dana_desa_idr: float = Field(ge=0, lt=MAX_RUPIAH)
    add_idr: float = Field(default=0.0, ge=0, lt=MAX_RUPIAH)
    uninsured: dict[str, WorkerCount]  # group -> informal workers not yet enrolled
    enrolled: dict[str, WorkerCount] = Field(default_factory=dict)  # group -> already enrolled
    priority: float = Field(default=1.0, ge=0, lt=MAX_WEIGHT)
    max_share: float | None = Field(default=None, ge=0, le=1)

    @property
    def is_kelurahan(self) -> bool:
        """Kemendagri codes whose last block starts with 1 are kelurahan (no dana desa)."""
        return self.village_code.rsplit(".", 1)[-1].startswith("1")


class VillageTable(BaseModel):
    """A validated village table. `groups` are the `<group>` names of its `uninsured_` columns,
    in file order; every village has a count (possibly 0) for every group."""

    groups: list[str]
    villages: list[Village]
    source: str | None = None  # the file or upload it came from

    @property
    def kabupaten(self) -> list[str]:
        """The distinct kabupaten values, in first-seen order."""
        return list(dict.fromkeys(v.kabupaten for v in self.villages))


class UploadedTable(VillageTable):
    """A village table as read from an upload, with each column's header as it was written
    (`village_code` -> `Kode Desa`): the dataset's download gives them back."""

    headers: dict[str, str] = {}
